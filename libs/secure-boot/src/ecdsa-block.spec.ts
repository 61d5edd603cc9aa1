import { createHash, sign } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { crc32 } from './crc';
import { requireCurve } from './curves';
import { decodeEcdsaBlock, ecdsaBlockOffsets, encodeEcdsaBlock } from './ecdsa-block';
import { generateTestKey } from './testing/fixtures';

describe('ECDSA block', () => {
  const data = Buffer.from('ecdsa block test data');

  function makeBlock(algorithm: 'ecdsa-p192' | 'ecdsa-p256' | 'ecdsa-p384') {
    const key = generateTestKey(algorithm);
    const curve = requireCurve(algorithm);
    const imageDigest = createHash(curve.digest).update(data).digest();
    const signature = sign(curve.digest, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    const jwkPoint = (): { x: Buffer; y: Buffer } => {
      // JWK has no P-192: take the point from the SPKI DER tail (uncompressed 04 || X || Y).
      const spki = key.publicKey.export({ format: 'der', type: 'spki' });
      const point = spki.subarray(spki.length - 2 * curve.fieldSize);
      return { x: point.subarray(0, curve.fieldSize), y: point.subarray(curve.fieldSize) };
    };
    const block = encodeEcdsaBlock({ curve, imageDigest, publicKey: key.publicKey, signature });
    return { key, curve, imageDigest, signature, block, ...jwkPoint() };
  }

  const rev = (b: Buffer): Buffer => Buffer.from(b).reverse();

  it('P-192: curve id 1 at 36, X/Y/r/s LE with 16 zero bytes after each pair', () => {
    const { block, imageDigest, signature, x, y } = makeBlock('ecdsa-p192');
    expect([...block.subarray(0, 4)]).toEqual([0xe7, 0x03, 0x00, 0x00]);
    expect(block.subarray(4, 36).equals(imageDigest)).toBe(true);
    expect(block[36]).toBe(1);
    expect(block.subarray(37, 61).equals(rev(x))).toBe(true);
    expect(block.subarray(61, 85).equals(rev(y))).toBe(true);
    expect(block.subarray(85, 101).equals(Buffer.alloc(16))).toBe(true);
    expect(block.subarray(101, 125).equals(rev(signature.subarray(0, 24)))).toBe(true);
    expect(block.subarray(125, 149).equals(rev(signature.subarray(24)))).toBe(true);
    expect(block.subarray(149, 1196).equals(Buffer.alloc(1196 - 149))).toBe(true);
    expect(block.readUInt32LE(1196)).toBe(crc32(block.subarray(0, 1196)));
    expect(block.subarray(1200).equals(Buffer.alloc(16))).toBe(true);
  });

  it('P-256: curve id 2 at 36, X 37..68, Y 69..100, r 101..132, s 133..164', () => {
    const { block, imageDigest, signature, x, y } = makeBlock('ecdsa-p256');
    expect([...block.subarray(0, 4)]).toEqual([0xe7, 0x03, 0x00, 0x00]);
    expect(block.subarray(4, 36).equals(imageDigest)).toBe(true);
    expect(block[36]).toBe(2);
    expect(block.subarray(37, 69).equals(rev(x))).toBe(true);
    expect(block.subarray(69, 101).equals(rev(y))).toBe(true);
    expect(block.subarray(101, 133).equals(rev(signature.subarray(0, 32)))).toBe(true);
    expect(block.subarray(133, 165).equals(rev(signature.subarray(32)))).toBe(true);
    expect(block.subarray(165, 1196).equals(Buffer.alloc(1196 - 165))).toBe(true);
  });

  it('P-384: hash id 1, SHA-384 digest 4..51, curve id 3 at 52, everything shifted by 16', () => {
    const { block, imageDigest, signature, x, y } = makeBlock('ecdsa-p384');
    expect([...block.subarray(0, 4)]).toEqual([0xe7, 0x03, 0x01, 0x00]);
    expect(block.subarray(4, 52).equals(imageDigest)).toBe(true);
    expect(block[52]).toBe(3);
    expect(block.subarray(53, 101).equals(rev(x))).toBe(true);
    expect(block.subarray(101, 149).equals(rev(y))).toBe(true);
    expect(block.subarray(149, 197).equals(rev(signature.subarray(0, 48)))).toBe(true);
    expect(block.subarray(197, 245).equals(rev(signature.subarray(48)))).toBe(true);
    expect(block.subarray(245, 1196).equals(Buffer.alloc(1196 - 245))).toBe(true);
    expect(ecdsaBlockOffsets(requireCurve('ecdsa-p384'))).toEqual({
      imageDigest: 4,
      digestLength: 48,
      curveId: 52,
      point: 53,
      signature: 149,
      end: 245,
    });
  });

  it.each(['ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384'] as const)('%s decodes what it encodes', (algorithm) => {
    const { block, key, imageDigest, signature, curve } = makeBlock(algorithm);
    const decoded = decodeEcdsaBlock(block);
    expect(decoded.curve).toBe(curve);
    expect(decoded.imageDigest.equals(imageDigest)).toBe(true);
    expect(decoded.publicKey.equals(key.publicKey)).toBe(true);
    expect(decoded.signature.equals(signature)).toBe(true);
  });

  it('refuses unknown hash ids, unknown or mismatched curve ids and points off the curve', () => {
    const { block } = makeBlock('ecdsa-p256');
    const cases: Array<[string, (b: Buffer) => void]> = [
      ['hash id 2', (b) => (b[2] = 2)],
      ['curve id 7', (b) => (b[36] = 7)],
      ['P-384 curve id with SHA-256', (b) => (b[36] = 3)],
      ['P-256 curve id with SHA-384 layout', (b) => ((b[2] = 1), (b[52] = 2))],
      ['point off the curve', (b) => (b[40] ^= 1)],
    ];
    for (const [, edit] of cases) {
      const copy = Buffer.from(block);
      edit(copy);
      expect(() => decodeEcdsaBlock(copy)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidSignatureBlock }),
      );
    }
  });

  it('refuses a digest or signature of the wrong size', () => {
    const { key, curve, imageDigest, signature } = makeBlock('ecdsa-p384');
    expect(() =>
      encodeEcdsaBlock({ curve, imageDigest: imageDigest.subarray(16), publicKey: key.publicKey, signature }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidDigest }));
    expect(() =>
      encodeEcdsaBlock({ curve, imageDigest, publicKey: key.publicKey, signature: signature.subarray(2) }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.SignatureVerificationFailed }));
  });
});
