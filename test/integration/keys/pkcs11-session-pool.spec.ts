import { randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { ErrorCode } from '@fleetsign/errors';
import {
  acquirePkcs11Module,
  findPrivateKey,
  openPkcs11Signer,
  Pkcs11SessionPool,
  selectTokenSlot,
  signDigestOnSession,
  type Pkcs11ModuleHandle,
  type Pkcs11Signer,
  type TokenSlot,
} from '@fleetsign/keys';
import { requireTestEnv, TEST_TOKEN_KEYS } from '../../support/test-env';
import { digestFor, testTokenRef, verifiesWithNode } from './token-fixture';

function messages(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.concat([Buffer.from(`image ${i} `), randomBytes(16)]));
}

async function signAll(signer: Pkcs11Signer, inputs: Buffer[]): Promise<Buffer[]> {
  return Promise.all(inputs.map((m) => signer.sign(digestFor(signer, m))));
}

describe('Pkcs11SessionPool through openPkcs11Signer', () => {
  let module: Pkcs11ModuleHandle;
  let slot: TokenSlot;
  let rsa: Pkcs11Signer;
  let ec: Pkcs11Signer;

  beforeAll(async () => {
    rsa = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.rsa3072.label, sessions: 4 }));
    ec = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label, sessions: 2 }));
    // A second user of the same module: what "someone else in the process" would hold.
    module = acquirePkcs11Module(requireTestEnv('pkcs11Module'));
    slot = selectTokenSlot(module.pkcs11, { tokenLabel: requireTestEnv('tokenLabel') });
  });

  afterAll(async () => {
    await rsa?.close();
    await ec?.close();
    module?.release();
  });

  it('runs 8 concurrent RSA signs on 4 sessions, all verifying', async () => {
    const inputs = messages(8);
    const signatures = await signAll(rsa, inputs);
    signatures.forEach((signature, i) => expect(verifiesWithNode(rsa, inputs[i], signature)).toBe(true));
    const stats = rsa.poolStats();
    expect(stats.maxBusy).toBe(4);
    expect(stats.open).toBe(4);
    expect(stats.busy).toBe(0);
    expect(stats.waiting).toBe(0);
  });

  it('signs with two keys concurrently on the same token', async () => {
    const inputs = messages(6);
    const [a, b] = await Promise.all([signAll(rsa, inputs), signAll(ec, inputs)]);
    inputs.forEach((m, i) => {
      expect(verifiesWithNode(rsa, m, a[i])).toBe(true);
      expect(verifiesWithNode(ec, m, b[i])).toBe(true);
    });
    expect(ec.poolStats().open).toBeLessThanOrEqual(2);
  });

  it('recovers when every session is closed behind its back (logged out, handles gone)', async () => {
    const before = rsa.poolStats().reconnects;
    module.pkcs11.C_CloseAllSessions(slot.handle);
    const [input] = messages(1);
    expect(verifiesWithNode(rsa, input, await rsa.sign(digestFor(rsa, input)))).toBe(true);
    expect(rsa.poolStats().reconnects).toBe(before + 1);
    // The other signer on the token lost its sessions too and recovers on its own.
    expect(verifiesWithNode(ec, input, await ec.sign(digestFor(ec, input)))).toBe(true);
    expect(rsa.poolStats().open).toBeGreaterThanOrEqual(1);
  });

  it('recovers 8 concurrent signs from closed sessions with a single reconnect', async () => {
    await signAll(rsa, messages(4)); // make sure all 4 sessions are open again
    const before = rsa.poolStats().reconnects;
    module.pkcs11.C_CloseAllSessions(slot.handle);
    const inputs = messages(8);
    const signatures = await signAll(rsa, inputs);
    signatures.forEach((signature, i) => expect(verifiesWithNode(rsa, inputs[i], signature)).toBe(true));
    expect(rsa.poolStats().reconnects).toBe(before + 1);
    expect(rsa.poolStats().open).toBeLessThanOrEqual(4);
  });

  it('logs in again when the token was logged out behind its back', async () => {
    const session = module.pkcs11.C_OpenSession(slot.handle, pkcs11js.CKF_SERIAL_SESSION);
    try {
      module.pkcs11.C_Logout(session);
      const [input] = messages(1);
      expect(verifiesWithNode(ec, input, await ec.sign(digestFor(ec, input)))).toBe(true);
    } finally {
      module.pkcs11.C_CloseSession(session);
    }
  });

  it('close waits for signatures in flight', async () => {
    const signer = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.rsa3072b.label, sessions: 2 }));
    const inputs = messages(4);
    const pending = signAll(signer, inputs);
    await signer.close();
    const signatures = await pending;
    signatures.forEach((signature, i) => expect(verifiesWithNode(signer, inputs[i], signature)).toBe(true));
    await expect(signer.sign(digestFor(signer, inputs[0]))).rejects.toMatchObject({ code: ErrorCode.HsmUnavailable });
  });
});

describe('signDigestOnSession: checks before C_SignInit', () => {
  let module: Pkcs11ModuleHandle;
  let pool: Pkcs11SessionPool;
  const tokenLabel = requireTestEnv('tokenLabel');

  beforeAll(() => {
    module = acquirePkcs11Module(requireTestEnv('pkcs11Module'));
    const slot = selectTokenSlot(module.pkcs11, { tokenLabel });
    pool = new Pkcs11SessionPool({ pkcs11: module.pkcs11, slot: slot.handle, pin: requireTestEnv('tokenPin'), size: 1 });
    pool.start();
  });

  afterAll(async () => {
    await pool?.close();
    module?.release();
  });

  it('refuses a mechanism that does not fit the key, leaving the session usable', async () => {
    await pool.withSession(async (session) => {
      const find = (label: string) => findPrivateKey(module.pkcs11, session, { keyLabel: label }, tokenLabel);
      const p256 = find(TEST_TOKEN_KEYS.p256.label);
      const p384 = find(TEST_TOKEN_KEYS.p384.label);
      const rsa = find(TEST_TOKEN_KEYS.rsa3072.label);
      const digest32 = randomBytes(32);

      // RSA-PSS on an EC key would crash SoftHSM2 in C_Sign: it must never reach C_SignInit.
      await expect(signDigestOnSession(module.pkcs11, session, p256, 'rsa3072', digest32)).rejects.toMatchObject({ code: ErrorCode.KeyMechanismMismatch });
      await expect(signDigestOnSession(module.pkcs11, session, rsa, 'ecdsa-p256', digest32)).rejects.toMatchObject({ code: ErrorCode.KeyMechanismMismatch });
      await expect(signDigestOnSession(module.pkcs11, session, p384, 'ecdsa-p256', digest32)).rejects.toMatchObject({ code: ErrorCode.KeyMechanismMismatch });
      await expect(signDigestOnSession(module.pkcs11, session, p256, 'ecdsa-p256', randomBytes(48))).rejects.toMatchObject({ code: ErrorCode.InvalidDigest });

      // Had any of them called C_SignInit, this would fail with CKR_OPERATION_ACTIVE.
      const message = Buffer.from('after refusals');
      const p256Signer = { algorithm: 'ecdsa-p256' as const, publicKey: (await openPublicKey(TEST_TOKEN_KEYS.p256.label)) };
      const signature = await signDigestOnSession(module.pkcs11, session, p256, 'ecdsa-p256', digestFor(p256Signer, message));
      expect(verifiesWithNode(p256Signer, message, signature)).toBe(true);
    });
  });

  async function openPublicKey(label: string) {
    const signer = await openPkcs11Signer(testTokenRef({ keyLabel: label, sessions: 1 }));
    await signer.close();
    return signer.publicKey;
  }
});
