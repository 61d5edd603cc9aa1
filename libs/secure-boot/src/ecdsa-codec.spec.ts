import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { derEcdsaToRaw, rawEcdsaToDer } from './ecdsa-codec';

describe('ECDSA signature codec', () => {
  it.each([
    ['prime192v1', 24],
    ['prime256v1', 32],
    ['secp384r1', 48],
  ])('converts node DER signatures on %s to raw and back', (namedCurve, size) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    const data = Buffer.from('firmware');
    for (let i = 0; i < 20; i++) {
      const der = sign('sha256', data, privateKey);
      const raw = derEcdsaToRaw(der, size);
      expect(raw.length).toBe(2 * size);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
      expect(rawEcdsaToDer(raw).equals(der)).toBe(true);
    }
  });

  it('encodes minimal INTEGERs: sign byte for a high bit, leading zeros stripped', () => {
    const raw = Buffer.concat([
      Buffer.from('80' + '00'.repeat(31), 'hex'),
      Buffer.from('00'.repeat(31) + '05', 'hex'),
    ]);
    const der = rawEcdsaToDer(raw);
    expect(der.toString('hex')).toBe('3026' + '022100' + '80' + '00'.repeat(31) + '020105');
    expect(derEcdsaToRaw(der, 32).equals(raw)).toBe(true);
  });

  it('uses a long-form length when the sequence exceeds 127 bytes', () => {
    const raw = Buffer.alloc(160, 0xff);
    const der = rawEcdsaToDer(raw);
    expect(der.subarray(0, 3).toString('hex')).toBe('3081a6');
    expect(derEcdsaToRaw(der, 80).equals(raw)).toBe(true);
  });

  it.each([
    ['not a sequence', '0206020101020101'],
    ['trailing bytes', '300602010102010100'],
    ['negative r', '3006020181020101'],
    ['non-minimal r', '300702020001020101'],
    ['three integers', '3009020101020101020101'],
    ['truncated', '30060201010201'],
    ['r too long', '3024022101' + '00'.repeat(32) + '020101'],
  ])('refuses %s', (_why, hex) => {
    expect(() => derEcdsaToRaw(Buffer.from(hex, 'hex'), 32)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });

  it('refuses an odd raw length', () => {
    expect(() => rawEcdsaToDer(Buffer.alloc(63))).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});
