import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyConfig, ProfileConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeySigner } from '@fleetsign/keys';
import type { SigningScheme } from '@fleetsign/secure-boot';
import { testKeyPem } from '../testing/pem-profile';
import { createKeyOpener, type KeyOpener } from './key-opener';
import { ProfileKeyRegistry } from './profile-key-registry';
import { checkKeysForScheme, efuseDigestLength, profileKeysRecord } from './profile-keys';

let dir: string;
let opener: KeyOpener;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'signer-registry-'));
  writeFileSync(join(dir, 'rsa.pem'), testKeyPem('rsa3072'));
  writeFileSync(join(dir, 'p256.pem'), testKeyPem('ecdsa-p256'));
  writeFileSync(join(dir, 'p256b.pem'), testKeyPem('ecdsa-p256', 1));
  opener = createKeyOpener({ env: { TEST_PIN: '1234' }, pkcs11Sessions: 1 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pem(name: string): KeyConfig {
  return { provider: 'pem', path: join(dir, name) };
}

function profile(name: string, scheme: SigningScheme, keys: KeyConfig[], extra: Partial<ProfileConfig> = {}): ProfileConfig {
  return { name, scheme, keys, state: 'active', ...extra };
}

async function errorOf(promise: Promise<unknown>): Promise<FleetSignError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FleetSignError) return err;
    throw err;
  }
  throw new Error('expected a FleetSignError');
}

describe('ProfileKeyRegistry', () => {
  it('shows a profile unavailable while its keys fail with a transient key fault, and available after a signing succeeds', async () => {
    const registry = await ProfileKeyRegistry.open([profile('rsa', 'sbv2-rsa3072', [pem('rsa.pem')])], opener);
    const changes: string[] = [];
    registry.onStateChanged(() => changes.push(registry.status()[0].state));
    try {
      registry.reportSigning('rsa', { ok: false, error: new FleetSignError(ErrorCode.StorageError, 'store away') });
      registry.reportSigning('rsa', { ok: false, error: new FleetSignError(ErrorCode.InvalidImage, 'bad image') });
      expect(registry.status()[0].state).toBe('available');
      registry.reportSigning('rsa', { ok: false, error: new FleetSignError(ErrorCode.HsmUnavailable, 'token away') });
      expect(registry.status()).toEqual([{ name: 'rsa', state: 'unavailable', error: { code: ErrorCode.HsmUnavailable, message: 'token away' } }]);
      // Jobs still get the keys, so they retry against the token and find it back.
      await expect(registry.acquire('rsa')).resolves.toMatchObject({ name: 'rsa' });
      registry.reportSigning('rsa', { ok: true });
      expect(registry.status()[0]).toMatchObject({ state: 'available' });
      expect(changes).toEqual(['unavailable', 'available']);
    } finally {
      await registry.close();
    }
  });

  it('opens active profiles, keeps revoked ones closed and tells unknown ones apart', async () => {
    const registry = await ProfileKeyRegistry.open(
      [
        profile('rsa', 'sbv2-rsa3072', [pem('rsa.pem')]),
        profile('ec2', 'sbv2-ecdsa-p256', [pem('p256.pem'), pem('p256b.pem')]),
        profile('old', 'sbv2-rsa3072', [pem('rsa.pem')], { state: 'revoked' }),
      ],
      opener,
    );
    try {
      expect(registry.status()).toEqual([
        { name: 'rsa', state: 'available', scheme: 'sbv2-rsa3072', keys: 1 },
        { name: 'ec2', state: 'available', scheme: 'sbv2-ecdsa-p256', keys: 2 },
        { name: 'old', state: 'revoked' },
      ]);
      const ec2 = await registry.acquire('ec2');
      expect(ec2.keys.map((k) => k.index)).toEqual([0, 1]);
      expect(ec2.keys[0].keyDigest.equals(ec2.keys[1].keyDigest)).toBe(false);
      expect((await errorOf(registry.acquire('old'))).code).toBe(ErrorCode.ProfileRevoked);
      expect((await errorOf(registry.acquire('nope'))).code).toBe(ErrorCode.UnknownProfile);
    } finally {
      await registry.close();
    }
  });

  it('marks a profile unavailable with its error while the others serve', async () => {
    const registry = await ProfileKeyRegistry.open(
      [
        profile('wrong-type', 'sbv2-rsa3072', [pem('p256.pem')]),
        profile('missing', 'sbv2-rsa3072', [pem('absent.pem')]),
        profile('no-module', 'sbv2-rsa3072', [
          {
            provider: 'pkcs11',
            modulePath: join(dir, 'libmissing.so'),
            tokenLabel: 't',
            keyLabel: 'k',
            pin: { source: 'env', name: 'TEST_PIN', origin: 'test', setting: 'pin_env' },
          },
        ]),
        profile('good', 'sbv2-ecdsa-p256', [pem('p256.pem')]),
      ],
      opener,
      { retryIntervalMs: 60_000 },
    );
    try {
      const states = Object.fromEntries(registry.status().map((s) => [s.name, s.state === 'unavailable' ? s.error.code : s.state]));
      expect(states).toEqual({
        'wrong-type': ErrorCode.UnsupportedKey,
        missing: ErrorCode.InvalidConfig,
        'no-module': ErrorCode.HsmUnavailable,
        good: 'available',
      });
      const error = await errorOf(registry.acquire('wrong-type'));
      expect(error.code).toBe(ErrorCode.UnsupportedKey);
      expect(error.message).toMatch(/^profile 'wrong-type' is unavailable: .*ecdsa-p256 but scheme sbv2-rsa3072/);
      expect((await registry.acquire('good')).name).toBe('good');
    } finally {
      await registry.close();
    }
  });

  it('closes the keys it opened when a later key of the profile fails', async () => {
    const opened: KeySigner[] = [];
    const recording: KeyOpener = async (key, at) => {
      const signer = await opener(key, at);
      opened.push(signer);
      return signer;
    };
    const registry = await ProfileKeyRegistry.open([profile('half', 'sbv2-ecdsa-p256', [pem('p256.pem'), pem('absent.pem')])], recording);
    expect(registry.status()[0]).toMatchObject({ state: 'unavailable', error: { code: ErrorCode.InvalidConfig } });
    expect(opened).toHaveLength(1);
    await expect(opened[0].sign(Buffer.alloc(32))).rejects.toThrow(/closed/);
    await registry.close();
  });

  it('retries a transient failure on demand and tells listeners when the keys open', async () => {
    let calls = 0;
    const flaky: KeyOpener = async (key, at) => {
      calls++;
      if (calls === 1) throw new FleetSignError(ErrorCode.HsmUnavailable, 'token not present');
      return opener(key, at);
    };
    const registry = await ProfileKeyRegistry.open([profile('flaky', 'sbv2-rsa3072', [pem('rsa.pem')])], flaky, { retryIntervalMs: 0 });
    const announced: string[] = [];
    registry.onProfileOpened((p) => {
      announced.push(p.name);
    });
    try {
      expect(registry.status()[0].state).toBe('unavailable');
      expect((await registry.acquire('flaky')).name).toBe('flaky');
      expect(announced).toEqual(['flaky']);
      expect(calls).toBe(2);
    } finally {
      await registry.close();
    }
  });

  it('does not retry a permanent failure such as a refused PIN', async () => {
    let calls = 0;
    const refusing: KeyOpener = async () => {
      calls++;
      throw new FleetSignError(ErrorCode.HsmPinIncorrect, 'pkcs11:token=t: the user PIN was refused (CKR_PIN_INCORRECT)');
    };
    const registry = await ProfileKeyRegistry.open([profile('locked', 'sbv2-rsa3072', [pem('rsa.pem')])], refusing, { retryIntervalMs: 0 });
    expect((await errorOf(registry.acquire('locked'))).code).toBe(ErrorCode.HsmPinIncorrect);
    expect((await errorOf(registry.acquire('locked'))).code).toBe(ErrorCode.HsmPinIncorrect);
    expect(calls).toBe(1);
    await registry.close();
  });

  it('refuses every acquire once closed', async () => {
    const registry = await ProfileKeyRegistry.open([profile('rsa', 'sbv2-rsa3072', [pem('rsa.pem')])], opener);
    const rsa = await registry.acquire('rsa');
    await registry.close();
    expect((await errorOf(registry.acquire('rsa'))).code).toBe(ErrorCode.HsmUnavailable);
    await expect(rsa.keys[0].signer.sign(Buffer.alloc(32))).rejects.toThrow(/closed/);
  });
});

describe('checkKeysForScheme', () => {
  it('wants exactly one P-256 key for Secure Boot V1', async () => {
    const signer = await opener(pem('p256.pem'), 'k');
    const other = await opener(pem('p256b.pem'), 'k');
    expect(() => checkKeysForScheme('v1', 'sbv1-ecdsa-p256', [signer])).not.toThrow();
    expect(() => checkKeysForScheme('v1', 'sbv1-ecdsa-p256', [signer, other])).toThrow(/exactly one key/);
    expect(() => checkKeysForScheme('p384', 'sbv2-ecdsa-p384', [signer])).toThrow(/ecdsa-p256 but scheme sbv2-ecdsa-p384/);
  });
});

describe('profile key record', () => {
  it('uses 16-byte eFuse digests only when every allowed chip is an ESP32-C2', async () => {
    expect(efuseDigestLength(undefined)).toBe(32);
    expect(efuseDigestLength(['ESP32-C2'])).toBe(16);
    expect(efuseDigestLength(['ESP32-C2', 'ESP32-C6'])).toBe(32);

    const registry = await ProfileKeyRegistry.open(
      [profile('c2', 'sbv2-ecdsa-p256', [pem('p256.pem')], { allowedChips: ['ESP32-C2'] })],
      opener,
    );
    try {
      const c2 = await registry.acquire('c2');
      const record = profileKeysRecord(c2, new Date('2026-02-03T04:05:06.000Z'));
      expect(record).toMatchObject({ profile: 'c2', scheme: 'sbv2-ecdsa-p256', publishedAt: '2026-02-03T04:05:06.000Z', allowedChips: ['ESP32-C2'] });
      expect(record.keys[0].keyDigestSha256).toBe(c2.keys[0].keyDigest.toString('hex'));
      expect(record.keys[0].keyDigestEfuse).toBe(c2.keys[0].keyDigest.subarray(0, 16).toString('hex'));
      expect(record.keys[0].publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    } finally {
      await registry.close();
    }
  });
});
