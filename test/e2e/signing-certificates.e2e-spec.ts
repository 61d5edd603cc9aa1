import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@fleetsign/errors';
import { buildEspImage } from '@fleetsign/secure-boot';
import { fleetsign } from '../integration/cli/cli-test-kit';
import { requireTestEnv, TEST_TOKEN_KEYS } from '../support/test-env';
import type { E2eProfile } from './support/e2e-config';
import { E2eStack } from './support/e2e-stack';
import type { SigningClient } from './support/signing-client';
import { TestPki } from './support/test-pki';

// Code-signing certificates from an X.509 PKI (issue 8, item 2): a CSR made inside the
// SoftHSM2 token by `fleetsign keys csr`, verified by openssl and signed by a test CA, is
// the key's certificate; the signer checks it before every signing and refuses expired,
// not-yet-valid, short-lived, wrong-EKU, revoked, untrusted and mismatched certificates.

const ESP32_C6 = 13;
let dir: string;
let pki: TestPki;
let stack: E2eStack;
let client: SigningClient;
let seed = 300;

function hsmConfig(name: string, label: string): string {
  const path = join(dir, `${name}.ini`);
  const body = ['[hsm_config]', `pkcs11_lib = ${requireTestEnv('pkcs11Module')}`, `slot = ${requireTestEnv('tokenSlot')}`, `label = ${label}`, `credentials = ${requireTestEnv('tokenPin')}`];
  writeFileSync(path, `${body.join('\n')}\n`);
  return path;
}

/** `fleetsign keys csr` for a token key; returns the request file. */
async function tokenCsr(name: string, label: string): Promise<string> {
  const out = join(dir, `${name}.csr`);
  const run = await fleetsign(['keys', 'csr', '--hsm-config', hsmConfig(name, label), '--subject', `CN=${name}, O=FleetSign Test`, '--output', out]);
  if (run.code !== 0) throw new Error(`keys csr failed: ${run.stderr}`);
  return out;
}

function profile(name: string, certificateFile: string, extra: Partial<NonNullable<E2eProfile['certificates']>> = {}): E2eProfile {
  return {
    name,
    scheme: 'sbv2-ecdsa-p256',
    keys: ['p256'],
    certificates: { certificateFile, trustAnchorsFile: pki.root, crlFile: pki.crl, ...extra },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'certificates-'));
  pki = new TestPki(join(dir, 'pki'));
  const csr = await tokenCsr('fw-release', TEST_TOKEN_KEYS.p256.label);
  const otherKeyCsr = await tokenCsr('fw-other', TEST_TOKEN_KEYS.p256b.label);
  const valid = pki.issue('valid', csr);
  const revoked = pki.issue('revoked', csr);
  pki.revoke('revoked');
  stack = E2eStack.create('certs', 'fs', [
    profile('cert-ok', valid, { minRemainingValidity: '30d' }),
    profile('cert-expired', pki.issue('expired', csr, { fromDays: -30, toDays: -1 })),
    profile('cert-future', pki.issue('future', csr, { fromDays: 2, toDays: 300 })),
    profile('cert-short', pki.issue('short', csr, { toDays: 10 }), { minRemainingValidity: '30d' }),
    profile('cert-eku', pki.issue('eku', csr, { usage: 'serverauth' })),
    profile('cert-revoked', revoked),
    profile('cert-mismatch', pki.issue('mismatch', otherKeyCsr)),
    profile('cert-untrusted', valid, { trustAnchorsFile: pki.otherRoot, crlFile: undefined }),
  ]);
  client = await stack.startAll();
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runJob(profileName: string) {
  seed += 1;
  const { key } = await client.upload(buildEspImage({ chipId: ESP32_C6, size: 12_000, seed }));
  return client.waitForJob(await client.submit(profileName, key));
}

describe('fleetsign keys csr', () => {
  it('writes a request for the token key that openssl verifies, with the subject and the key', () => {
    const csr = join(dir, 'fw-release.csr');
    const verified = execFileSync('openssl', ['req', '-in', csr, '-verify', '-noout', '-subject', '-pubkey'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(verified).toMatch(/subject=CN ?= ?fw-release, O ?= ?FleetSign Test/);
    const valid = new X509Certificate(readFileSync(join(dir, 'pki', 'valid.leaf.pem')));
    expect(verified).toContain(valid.publicKey.export({ type: 'spki', format: 'pem' }).toString().trim());
  });

  it('refuses without a subject, with one line and exit != 0', async () => {
    const run = await fleetsign(['keys', 'csr', '--hsm-config', hsmConfig('no-subject', TEST_TOKEN_KEYS.p256.label)]);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--subject');
  });
});

describe('certificate checks before every signing', () => {
  it('signs with a valid chain and records serial, issuer and fingerprint', async () => {
    const job = await runJob('cert-ok');
    const leaf = new X509Certificate(readFileSync(join(dir, 'pki', 'valid.leaf.pem')));
    const certificate = {
      keyIndex: 0,
      serial: leaf.serialNumber,
      issuer: 'CN=FleetSign Test Code Signing CA',
      sha256Fingerprint: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    };
    expect(job).toMatchObject({ state: 'succeeded', result: { policy: { certificates: [certificate] } } });
    const entry = await stack.logEntryOf(job.id);
    expect(entry.policy?.certificates).toEqual([expect.objectContaining(certificate)]);
  });

  it.each([
    ['cert-expired', ErrorCode.CertificateExpired, /expired at/],
    ['cert-future', ErrorCode.CertificateNotYetValid, /is not valid before/],
    ['cert-short', ErrorCode.CertificateExpired, /sooner than min_remaining_validity allows/],
    ['cert-eku', ErrorCode.CertificateUsage, /lacks extendedKeyUsage codeSigning/],
    ['cert-revoked', ErrorCode.CertificateRevoked, /was revoked at/],
    ['cert-mismatch', ErrorCode.CertificateKeyMismatch, /certifies another public key/],
    ['cert-untrusted', ErrorCode.CertificateUntrusted, /does not chain to a trust anchor/],
  ])('%s fails with %s and signs nothing', async (profileName, code, message) => {
    const signedBefore = await stack.keys('signed');
    const job = await runJob(profileName);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code } });
    expect(job.error?.message).toMatch(message);
    expect(await stack.keys('signed')).toEqual(signedBefore);
  });

  it('publishes the certificate with the public keys', async () => {
    const res = await client.api('/v1/profiles/cert-ok/public-keys');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Array<{ certificatePem?: string }> };
    const [leafPem, chainPem] = body.keys[0].certificatePem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(leafPem).toBeDefined();
    expect(new X509Certificate(leafPem as string).serialNumber).toBe(new X509Certificate(readFileSync(join(dir, 'pki', 'valid.leaf.pem'))).serialNumber);
    expect(new X509Certificate(chainPem as string).subject).toBe('CN=FleetSign Test Code Signing CA');
  });
});
