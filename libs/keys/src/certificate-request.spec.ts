import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@fleetsign/errors';
import { createCertificateRequest } from './certificate-request';
import { generateSigningKeyPem } from './pem/generate-key';
import { createPemSigner } from './pem/pem-signer';

// Requests built through the digest signer, checked by openssl (the SoftHSM2 path is in
// test/integration/cli/key-csr.spec.ts).

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsign-csr-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opensslVerify(pem: string): string {
  const path = join(dir, 'req.pem');
  writeFileSync(path, pem);
  return execFileSync('openssl', ['req', '-in', path, '-verify', '-noout', '-subject'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('createCertificateRequest', () => {
  it.each(['rsa3072', 'ecdsa-p256', 'ecdsa-p384'] as const)('makes a %s request openssl verifies, with the subject', async (algorithm) => {
    const signer = createPemSigner(generateSigningKeyPem(algorithm));
    const pem = await createCertificateRequest(signer, 'CN=fw-release, O=Acme');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    expect(opensslVerify(pem)).toMatch(/subject=CN ?= ?fw-release, O ?= ?Acme/);
  });

  it('refuses P-192 keys, which X.509 tooling cannot verify', async () => {
    const signer = createPemSigner(generateSigningKeyPem('ecdsa-p192'));
    await expect(createCertificateRequest(signer, 'CN=x')).rejects.toMatchObject({ code: ErrorCode.UnsupportedKey });
  });
});
