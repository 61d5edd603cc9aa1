import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { buildEspImage, publicKeyDigestV2, signV2 } from '@fleetsign/secure-boot';
import { createHash } from 'node:crypto';
import { verifySignedImageLocally } from './verify-signed-image';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('verifySignedImageLocally', () => {
  const unsigned = buildEspImage({ chipId: 9, size: 20_000, seed: 7 });
  let signed: Buffer;
  let expected: Parameters<typeof verifySignedImageLocally>[2];

  beforeAll(async () => {
    const signer = createPemSigner(generateSigningKeyPem('rsa3072'));
    const result = await signV2(unsigned, [signer]);
    signed = result.image;
    expected = {
      publicKeyPem: signer.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      keyDigestEfuse: publicKeyDigestV2(signer.publicKey).toString('hex'),
      imageSha256: result.imageDigests[0].toString('hex'),
      signedSha256: sha256(result.image),
    };
  });

  it('accepts a correctly signed image and reports what it checked', () => {
    expect(verifySignedImageLocally(unsigned, signed, expected)).toEqual({
      signedDataLength: 20_480,
      keyDigest: expected.keyDigestEfuse,
      imageDigest: expected.imageSha256,
      verifyV2: true,
      nodeCrypto: true,
    });
  });

  it('refuses an image signed by another key', () => {
    const other = createPemSigner(generateSigningKeyPem('rsa3072'));
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => verifySignedImageLocally(unsigned, signed, { ...expected, publicKeyPem: otherPem })).toThrow(
      /verifyV2/,
    );
  });

  it('refuses a signed file whose image bytes changed', () => {
    const tampered = Buffer.from(signed);
    tampered[100] ^= 1;
    expect(() =>
      verifySignedImageLocally(unsigned, tampered, { ...expected, signedSha256: sha256(tampered) }),
    ).toThrow(/image bytes changed/);
  });

  it('refuses a file that does not match the digests the service reported', () => {
    expect(() =>
      verifySignedImageLocally(unsigned, signed, { ...expected, signedSha256: '00'.repeat(32) }),
    ).toThrow(/signedSha256/);
    expect(() =>
      verifySignedImageLocally(unsigned, signed, { ...expected, keyDigestEfuse: '00'.repeat(32) }),
    ).toThrow(/eFuse digest/);
  });
});
