import { ErrorCode } from '@fleetsign/errors';
import { hsmConfigToKeyRef, openPkcs11Signer, parseHsmConfigIni, type Pkcs11Signer } from '@fleetsign/keys';
import { requireTestEnv, TEST_TOKEN_KEYS } from '../../support/test-env';
import { digestFor, TEST_KEY_ALGORITHMS, testTokenRef, verifiesWithNode, type TestKeyName } from './token-fixture';

const SIGNATURE_LENGTHS = { rsa3072: 384, 'ecdsa-p192': 48, 'ecdsa-p256': 64, 'ecdsa-p384': 96 } as const;
const message = Buffer.from('FleetSign PKCS#11 integration test image');

// First in the file: a wrong PIN can only be caught while no other signer in this
// process holds the token logged in (PKCS#11 login is per process and token).
describe('openPkcs11Signer: PIN', () => {
  const wrongPin = '8642097531';

  it('refuses a wrong PIN with HsmPinIncorrect and never shows the PIN', async () => {
    const error = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label, pin: wrongPin })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HsmPinIncorrect, details: { pkcs11Code: 0xa0 } });
    const text = `${(error as Error).message} ${JSON.stringify((error as { details?: unknown }).details)} ${(error as Error).stack}`;
    expect(text).not.toContain(wrongPin);
  });

  it('refuses a wrong PIN even while another signer keeps the token logged in', async () => {
    const good = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label }));
    try {
      const error = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256b.label, pin: wrongPin })).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.HsmPinIncorrect });
      expect((error as Error).message).not.toContain(wrongPin);
      // The failed attempt must not disturb the signer that is logged in.
      const signature = await good.sign(digestFor(good, message));
      expect(verifiesWithNode(good, message, signature)).toBe(true);
    } finally {
      await good.close();
    }
  });
});

describe.each(Object.keys(TEST_TOKEN_KEYS) as TestKeyName[])('openPkcs11Signer: token key %s', (name) => {
  const { label, id } = TEST_TOKEN_KEYS[name];
  const algorithm = TEST_KEY_ALGORITHMS[name];
  let signer: Pkcs11Signer;

  beforeAll(async () => {
    signer = await openPkcs11Signer(testTokenRef({ keyLabel: label }));
  });
  afterAll(() => signer?.close());

  it(`detects ${algorithm} and names the key without the PIN`, () => {
    expect(signer.algorithm).toBe(algorithm);
    expect(signer.description).toBe(`pkcs11:token=${requireTestEnv('tokenLabel')};object=${label}`);
    expect(signer.description).not.toContain(requireTestEnv('tokenPin'));
  });

  it('signs a digest that node:crypto verifies against the token public key', async () => {
    const signature = await signer.sign(digestFor(signer, message));
    expect(signature.length).toBe(SIGNATURE_LENGTHS[algorithm]);
    expect(verifiesWithNode(signer, message, signature)).toBe(true);
    expect(verifiesWithNode(signer, Buffer.from('another image'), signature)).toBe(false);
  });

  it('finds the same key by CKA_ID alone and by label and id together', async () => {
    for (const ref of [{ keyId: id }, { keyLabel: label, keyId: id }]) {
      const other = await openPkcs11Signer(testTokenRef(ref));
      try {
        expect(other.publicKey.equals(signer.publicKey)).toBe(true);
        expect(verifiesWithNode(signer, message, await other.sign(digestFor(other, message)))).toBe(true);
      } finally {
        await other.close();
      }
    }
  });
});

describe('openPkcs11Signer: digest length is checked before signing', () => {
  it.each([
    ['p256', 48],
    ['p192', 48],
    ['p384', 32],
    ['rsa3072', 20],
    ['rsa3072', 48],
  ] as const)('%s refuses a %d-byte digest with InvalidDigest', async (name, length) => {
    const signer = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS[name].label }));
    try {
      await expect(signer.sign(Buffer.alloc(length, 7))).rejects.toMatchObject({ code: ErrorCode.InvalidDigest });
      // The refused call left nothing half-done on the session.
      expect(verifiesWithNode(signer, message, await signer.sign(digestFor(signer, message)))).toBe(true);
    } finally {
      await signer.close();
    }
  });
});

describe('openPkcs11Signer: finding the token and the key', () => {
  const slot = Number(requireTestEnv('tokenSlot'));
  const tokenLabel = requireTestEnv('tokenLabel');

  it('selects the token by slot id', async () => {
    const signer = await openPkcs11Signer(testTokenRef({ tokenLabel: undefined, slot, keyLabel: TEST_TOKEN_KEYS.p256.label }));
    try {
      expect(signer.slotId).toBe(slot);
      expect(signer.tokenLabel).toBe(tokenLabel);
    } finally {
      await signer.close();
    }
  });

  it('refuses an unknown token label, listing the tokens present', async () => {
    const error = await openPkcs11Signer(testTokenRef({ tokenLabel: 'no-such-token', keyLabel: TEST_TOKEN_KEYS.p256.label })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HsmUnavailable });
    expect((error as Error).message).toContain(`no token labelled 'no-such-token'`);
    expect((error as Error).message).toContain(`'${tokenLabel}' (slot ${slot})`);
  });

  it('refuses an unknown slot instead of picking another one', async () => {
    const error = await openPkcs11Signer(testTokenRef({ tokenLabel: undefined, slot: slot + 1, keyLabel: TEST_TOKEN_KEYS.p256.label })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HsmUnavailable, message: expect.stringContaining(`no token in slot ${slot + 1}`) });
  });

  it('refuses a slot whose token has another label', async () => {
    const error = await openPkcs11Signer(testTokenRef({ slot, tokenLabel: 'other', keyLabel: TEST_TOKEN_KEYS.p256.label })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HsmUnavailable, message: expect.stringContaining(`holds token '${tokenLabel}', not 'other'`) });
  });

  it('refuses an unknown key label with KeyNotFound', async () => {
    await expect(openPkcs11Signer(testTokenRef({ keyLabel: 'no-such-key' }))).rejects.toMatchObject({
      code: ErrorCode.KeyNotFound,
      message: expect.stringContaining(`no private key label 'no-such-key' on token '${tokenLabel}'`),
    });
  });

  it('refuses a label and id that belong to different keys with KeyNotFound', async () => {
    await expect(openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label, keyId: TEST_TOKEN_KEYS.p384.id }))).rejects.toMatchObject({
      code: ErrorCode.KeyNotFound,
    });
  });

  it('refuses a public key label that belongs to another EC key', async () => {
    await expect(
      openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label, publicKeyLabel: TEST_TOKEN_KEYS.p256b.label })),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, message: expect.stringContaining('does not match the private key') });
  });

  it('refuses a public key label that belongs to another RSA key', async () => {
    await expect(
      openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.rsa3072.label, publicKeyLabel: TEST_TOKEN_KEYS.rsa3072b.label })),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, message: expect.stringContaining('does not belong to the private key') });
  });

  it('refuses a public key label on another curve', async () => {
    await expect(
      openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label, publicKeyLabel: TEST_TOKEN_KEYS.p384.label })),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, message: expect.stringContaining(`not on the private key's curve`) });
  });

  it('refuses a missing PKCS#11 module with HsmUnavailable', async () => {
    await expect(openPkcs11Signer(testTokenRef({ modulePath: '/nonexistent/libpkcs11.so', keyLabel: 'x' }))).rejects.toMatchObject({
      code: ErrorCode.HsmUnavailable,
      message: 'PKCS#11 module not found: /nonexistent/libpkcs11.so',
    });
  });
});

describe('openPkcs11Signer: espsecure HSM config', () => {
  it('opens the key an [hsm_config] file names, by slot', async () => {
    const ini = [
      '[hsm_config]',
      `pkcs11_lib = ${requireTestEnv('pkcs11Module')}`,
      `slot = ${requireTestEnv('tokenSlot')}`,
      `label = ${TEST_TOKEN_KEYS.rsa3072.label}`,
      `label_pubkey = ${TEST_TOKEN_KEYS.rsa3072.label}`,
      `credentials = ${requireTestEnv('tokenPin')}`,
    ].join('\n');
    const signer = await openPkcs11Signer(hsmConfigToKeyRef(parseHsmConfigIni(ini)));
    try {
      expect(signer.algorithm).toBe('rsa3072');
      expect(verifiesWithNode(signer, message, await signer.sign(digestFor(signer, message)))).toBe(true);
    } finally {
      await signer.close();
    }
  });
});

describe('openPkcs11Signer: lifecycle', () => {
  it('closing one signer leaves another on the same token logged in and working', async () => {
    const a = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label, sessions: 1 }));
    const b = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p384.label, sessions: 1 }));
    await a.close();
    try {
      expect(verifiesWithNode(b, message, await b.sign(digestFor(b, message)))).toBe(true);
      expect(b.poolStats().reconnects).toBe(0);
    } finally {
      await b.close();
    }
  });

  it('refuses to sign after close', async () => {
    const signer = await openPkcs11Signer(testTokenRef({ keyLabel: TEST_TOKEN_KEYS.p256.label }));
    await signer.close();
    await signer.close();
    await expect(signer.sign(digestFor(signer, message))).rejects.toMatchObject({ code: ErrorCode.HsmUnavailable });
  });

  it('refuses a key reference without label or id', async () => {
    await expect(openPkcs11Signer(testTokenRef())).rejects.toMatchObject({ code: ErrorCode.InvalidConfig });
  });
});
