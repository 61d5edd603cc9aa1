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

// A configuration reload brings the registry to the new profiles: new keys open, keys a
// reload replaced or removed are closed once the jobs signing with them are done.

let dir: string;
let opener: KeyOpener;
/** Every signer the opener made, with whether it was closed. */
let opened: Array<{ path: string; closed: boolean }>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'signer-reload-'));
  writeFileSync(join(dir, 'p256.pem'), testKeyPem('ecdsa-p256'));
  writeFileSync(join(dir, 'p256b.pem'), testKeyPem('ecdsa-p256', 1));
  const real = createKeyOpener({ env: {}, pkcs11Sessions: 1 });
  opener = async (key, at) => {
    const signer = await real(key, at);
    const record = { path: (key as { path: string }).path, closed: false };
    opened.push(record);
    const close = signer.close.bind(signer);
    return Object.assign(signer, { close: async () => ((record.closed = true), close()) }) as KeySigner;
  };
});

beforeEach(() => {
  opened = [];
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = (name: string): KeyConfig => ({ provider: 'pem', path: join(dir, name) });

function profile(name: string, keys: KeyConfig[], extra: Partial<ProfileConfig> = {}, scheme: SigningScheme = 'sbv2-ecdsa-p256'): ProfileConfig {
  return { name, scheme, keys, state: 'active', ...extra };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FleetSignError) return err.code;
    throw err;
  }
  return 'resolved';
}

describe('ProfileKeyRegistry.reconcile', () => {
  it('opens new profiles, keeps unchanged keys open and takes new chips and lifecycle from the reloaded entry', async () => {
    const registry = await ProfileKeyRegistry.open([profile('a', [pem('p256.pem')])], opener);
    try {
      const before = await registry.acquire('a');
      registry.release(before);
      await registry.reconcile([
        profile('a', [{ ...pem('p256.pem'), lifecycle: { state: 'retiring' } }], { allowedChips: ['ESP32-C6'] }),
        profile('b', [pem('p256b.pem')]),
      ]);
      const after = await registry.acquire('a');
      expect(after.keys).toBe(before.keys);
      expect(after.allowedChips).toEqual(['ESP32-C6']);
      expect((await registry.acquire('b')).name).toBe('b');
      expect(registry.status().map((status) => [status.name, status.state])).toEqual([['a', 'available'], ['b', 'available']]);
      expect(opened.filter((key) => key.closed)).toEqual([]);
    } finally {
      await registry.close();
    }
  });

  it('reopens a profile whose keys changed and closes the old keys only after the job using them releases them', async () => {
    const registry = await ProfileKeyRegistry.open([profile('a', [pem('p256.pem')])], opener);
    try {
      const running = await registry.acquire('a');
      await registry.reconcile([profile('a', [pem('p256b.pem')])]);
      const next = await registry.acquire('a');
      expect(next.keys).not.toBe(running.keys);
      expect(opened.map((key) => [key.path.endsWith('p256b.pem'), key.closed])).toEqual([[false, false], [true, false]]);
      registry.release(running);
      await new Promise((resolve) => setImmediate(resolve));
      expect(opened[0].closed).toBe(true);
      expect(opened[1].closed).toBe(false);
      registry.release(next);
    } finally {
      await registry.close();
    }
  });

  it('marks a profile revoked from its revoked_at on, forgets removed profiles and closes their keys', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const registry = await ProfileKeyRegistry.open([profile('a', [pem('p256.pem')]), profile('b', [pem('p256b.pem')])], opener, { now: () => now });
    try {
      await registry.reconcile([profile('a', [pem('p256.pem')], { state: 'revoked', revokedAt: now + 60_000 })]);
      // Revocation ahead: the keys stay open and sign until then.
      expect((await registry.acquire('a')).name).toBe('a');
      expect(await codeOf(registry.acquire('b'))).toBe(ErrorCode.UnknownProfile);
      await new Promise((resolve) => setImmediate(resolve));
      expect(opened.find((key) => key.path.endsWith('p256b.pem'))?.closed).toBe(true);
      now += 60_000;
      expect(await codeOf(registry.acquire('a'))).toBe(ErrorCode.ProfileRevoked);
      expect(registry.status()).toEqual([{ name: 'a', state: 'revoked' }]);
      await registry.reconcile([profile('a', [pem('p256.pem')], { state: 'revoked' })]);
      expect(await codeOf(registry.acquire('a'))).toBe(ErrorCode.ProfileRevoked);
    } finally {
      await registry.close();
    }
  });
});
