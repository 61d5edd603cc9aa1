import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { algorithmOfKey } from '../key-algorithm';
import { generateSigningKeyPem } from './generate-key';
import { loadPrivateKeyPem, loadPublicKeyPem } from './pem-keys';

const rsa = createPrivateKey(generateSigningKeyPem('rsa3072'));
const p256 = createPrivateKey(generateSigningKeyPem('ecdsa-p256'));

function spki(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
}

describe('loadPrivateKeyPem', () => {
  it.each([
    ['PKCS#1', rsa, 'pkcs1', 'RSA PRIVATE KEY'],
    ['PKCS#8 RSA', rsa, 'pkcs8', 'PRIVATE KEY'],
    ['SEC1', p256, 'sec1', 'EC PRIVATE KEY'],
    ['PKCS#8 EC', p256, 'pkcs8', 'PRIVATE KEY'],
  ] as const)('reads %s', (_name, key, type, label) => {
    const pem = key.export({ type, format: 'pem' }) as string;
    expect(pem).toContain(`-----BEGIN ${label}-----`);
    const loaded = loadPrivateKeyPem(Buffer.from(pem));
    expect(loaded.type).toBe('private');
    expect(spki(loaded).equals(spki(key))).toBe(true);
  });

  it('skips the EC PARAMETERS block `openssl ecparam -genkey` writes before the key', () => {
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    const pem = params + (p256.export({ type: 'sec1', format: 'pem' }) as string);
    expect(spki(loadPrivateKeyPem(pem))).toEqual(spki(p256));
    expect(spki(loadPublicKeyPem(pem))).toEqual(spki(p256));
    expect(() => loadPrivateKeyPem(params)).toThrow(
      expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: 'PEM holds a EC PARAMETERS, not a private key' }),
    );
  });

  it('refuses a public key PEM', () => {
    const pem = createPublicKey(p256).export({ type: 'spki', format: 'pem' });
    expect(() => loadPrivateKeyPem(pem)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: 'PEM holds a PUBLIC KEY, not a private key' }));
  });

  it('refuses text that is not PEM', () => {
    expect(() => loadPrivateKeyPem('hello')).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: expect.stringMatching(/not PEM/) }));
  });

  it('refuses an encrypted key without reading it', () => {
    const pem = p256.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    expect(() => loadPrivateKeyPem(pem)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: expect.stringMatching(/encrypted/) }));
  });

  it('refuses a corrupt PEM body', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n';
    expect(() => loadPrivateKeyPem(pem)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: expect.stringMatching(/cannot read PEM EC PRIVATE KEY/) }));
  });

  it.each([
    ['RSA-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, /RSA key is 2048-bit/],
    ['P-521', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey, /curve secp521r1/],
    ['Ed25519', () => generateKeyPairSync('ed25519').privateKey, /ed25519 keys are not supported/],
  ] as const)('refuses %s naming what it found', (_name, make, message) => {
    const pem = make().export({ type: 'pkcs8', format: 'pem' });
    expect(() => loadPrivateKeyPem(pem)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: expect.stringMatching(message) }));
  });
});

describe('loadPublicKeyPem', () => {
  it.each([
    ['SubjectPublicKeyInfo', () => createPublicKey(p256).export({ type: 'spki', format: 'pem' }), p256],
    ['PKCS#1 RSA PUBLIC KEY', () => createPublicKey(rsa).export({ type: 'pkcs1', format: 'pem' }), rsa],
    ['a SEC1 private key', () => p256.export({ type: 'sec1', format: 'pem' }), p256],
    ['a PKCS#8 private key', () => rsa.export({ type: 'pkcs8', format: 'pem' }), rsa],
  ] as const)('reads %s and returns the public half', (_name, pem, source) => {
    const key = loadPublicKeyPem(pem());
    expect(key.type).toBe('public');
    expect(spki(key).equals(spki(source))).toBe(true);
  });

  it('refuses an unsupported public key', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(() => loadPublicKeyPem(pem)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey, message: expect.stringMatching(/secp256k1/) }));
  });
});

describe('generateSigningKeyPem', () => {
  it.each([
    ['rsa3072', 'RSA PRIVATE KEY'],
    ['ecdsa-p192', 'EC PRIVATE KEY'],
    ['ecdsa-p256', 'EC PRIVATE KEY'],
    ['ecdsa-p384', 'EC PRIVATE KEY'],
  ] as const)('%s gives a traditional unencrypted %s', (algorithm, label) => {
    const pem = generateSigningKeyPem(algorithm);
    expect(pem.startsWith(`-----BEGIN ${label}-----\n`)).toBe(true);
    expect(pem).not.toContain('ENCRYPTED');
    expect(algorithmOfKey(loadPrivateKeyPem(pem))).toBe(algorithm);
  });

  it('uses public exponent 65537 for RSA', () => {
    expect(createPrivateKey(generateSigningKeyPem('rsa3072')).asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it('gives a new key every call', () => {
    expect(generateSigningKeyPem('ecdsa-p256')).not.toBe(generateSigningKeyPem('ecdsa-p256'));
  });
});
