import { constants, createHash, verify } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { buildEspImage, SECTOR_SIZE, V1_SIGNATURE_LENGTH, verifyV2 } from '@fleetsign/secure-boot';
import { pemProfile } from '../testing/pem-profile';
import { digestImage, ImageHashes } from './digest-image';
import { signedFileOf, signImage } from './sign-image';
import { validateImage } from './validate-image';
import { signedImageProblems, signedPartsProblems, verifySignedImage, verifySignedParts } from './verify-signed-image';

const ESP32_S3 = 9;
const ESP32_C2 = 12;
const ESP32 = 0;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetSignError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('validateImage', () => {
  const rsa = pemProfile('sbv2-rsa3072');

  it('accepts an image for a chip that boots the scheme and returns what it parsed', () => {
    const image = validateImage(buildEspImage({ chipId: ESP32_S3, size: 20_000 }), rsa);
    expect(image.chip?.name).toBe('ESP32-S3');
    expect(image.signedDataLength).toBe(20_480);
  });

  it('refuses data that is not an ESP image', () => {
    expect(codeOf(() => validateImage(Buffer.from('not firmware at all, just text'), rsa))).toBe(ErrorCode.InvalidImage);
  });

  it('refuses a chip that cannot boot the scheme, or one outside the allowed chips', () => {
    const ecdsa = pemProfile('sbv2-ecdsa-p256');
    expect(codeOf(() => validateImage(buildEspImage({ chipId: ESP32_S3 }), ecdsa))).toBe(ErrorCode.ChipSchemeMismatch);
    const onlyC6 = { ...rsa, allowedChips: ['ESP32-C6'] };
    expect(codeOf(() => validateImage(buildEspImage({ chipId: ESP32_S3 }), onlyC6))).toBe(ErrorCode.ChipSchemeMismatch);
  });

  it('refuses more keys than the chip reads blocks, and data after the image', () => {
    const twoEcKeys = pemProfile('sbv2-ecdsa-p256', 2);
    expect(codeOf(() => validateImage(buildEspImage({ chipId: ESP32_C2 }), twoEcKeys))).toBe(ErrorCode.TooManySignatureBlocks);
    const trailing = Buffer.concat([buildEspImage({ chipId: ESP32_S3, size: 8192 }), Buffer.alloc(SECTOR_SIZE, 0xff)]);
    expect(codeOf(() => validateImage(trailing, rsa))).toBe(ErrorCode.ImageTrailingData);
  });
});

describe('digestImage', () => {
  it('hashes the image padded with 0xFF to 4 KiB for V2 and as given for V1', () => {
    const data = buildEspImage({ chipId: ESP32, size: 5000 });
    const padded = Buffer.concat([data, Buffer.alloc(8192 - data.length, 0xff)]);
    expect(digestImage(data, 'sbv2-rsa3072')).toEqual({
      signedDataLength: 8192,
      paddingLength: 8192 - data.length,
      imageSha256: createHash('sha256').update(padded).digest('hex'),
    });
    expect(digestImage(data, 'sbv1-ecdsa-p256')).toEqual({
      signedDataLength: data.length,
      paddingLength: 0,
      imageSha256: createHash('sha256').update(data).digest('hex'),
    });
  });

  it('gives the digests of the image, the padded image and the signed file from one running hash', () => {
    const data = buildEspImage({ chipId: ESP32, size: 5000 });
    const sector = Buffer.alloc(SECTOR_SIZE, 7);
    const hashes = new ImageHashes(data);
    const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    const padding = Buffer.alloc(8192 - data.length, 0xff);
    expect(hashes.sha256()).toBe(sha(data));
    expect(hashes.sha256(padding.length)).toBe(sha(data, padding));
    expect(hashes.sha256(padding.length, sector)).toBe(sha(data, padding, sector));
    expect(hashes.sha256(0, sector, sector)).toBe(sha(data, sector, sector));
    expect(digestImage(data, 'sbv2-ecdsa-p256', hashes).imageSha256).toBe(sha(data, padding));
  });

  it('adds nothing to an aligned image', () => {
    const data = buildEspImage({ chipId: ESP32_S3, size: 8192 });
    expect(data.length).toBe(8192);
    expect(digestImage(data, 'sbv2-rsa3072').imageSha256).toBe(createHash('sha256').update(data).digest('hex'));
  });
});

describe('signImage + verifySignedImage', () => {
  it('makes one V2 block per key, in key order, that node:crypto verifies', async () => {
    const profile = pemProfile('sbv2-ecdsa-p256', 3);
    const data = buildEspImage({ chipId: 13, size: 30_000 });
    const made = await signImage(data, profile);
    const image = signedFileOf(made);
    expect(made.keyMs).toBeGreaterThanOrEqual(0);
    expect(made).toMatchObject({ paddingLength: 32_768 - 30_000, size: 32_768 + SECTOR_SIZE });
    expect(made.parts[0]).toBe(data);
    expect(signedPartsProblems(data, made, profile)).toEqual([]);
    expect(image.length).toBe(32_768 + SECTOR_SIZE);
    expect(signedImageProblems(image, data, profile)).toEqual([]);
    const report = verifyV2(image, { publicKeys: profile.keys.map((k) => k.publicKey) });
    expect(report.blocks.map((b) => b.keyDigest.toString('hex'))).toEqual(profile.keys.map((k) => k.keyDigest.toString('hex')));
    const block0 = report.blocks[0];
    expect(block0.valid).toBe(true);
  });

  it('signs RSA-3072 with PSS that node:crypto accepts over the padded data', async () => {
    const profile = pemProfile('sbv2-rsa3072');
    const data = buildEspImage({ chipId: ESP32_S3, size: 10_000 });
    const image = signedFileOf(await signImage(data, profile));
    verifySignedImage(image, data, profile);
    // RSA block: signature (384 bytes, little-endian) at offset 36 + 776 in block 0.
    const block = image.subarray(image.length - SECTOR_SIZE, image.length - SECTOR_SIZE + 1216);
    const signatureLe = block.subarray(812, 812 + 384);
    const signature = Buffer.from(signatureLe).reverse();
    const ok = verify('sha256', image.subarray(0, image.length - SECTOR_SIZE), {
      key: profile.keys[0].publicKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    }, signature);
    expect(ok).toBe(true);
  });

  it('signs V1 by appending 68 bytes', async () => {
    const profile = pemProfile('sbv1-ecdsa-p256');
    const data = buildEspImage({ chipId: ESP32, size: 5000 });
    const made = await signImage(data, profile);
    const image = signedFileOf(made);
    expect(image.length).toBe(data.length + V1_SIGNATURE_LENGTH);
    expect(signedImageProblems(image, data, profile)).toEqual([]);
    expect(signedPartsProblems(data, made, profile)).toEqual([]);
    expect(signedPartsProblems(buildEspImage({ chipId: ESP32, size: 5000, seed: 9 }), made, profile)).not.toEqual([]);
  });

  it('finds a file signed by other keys, for another image, or with a block missing', async () => {
    const profile = pemProfile('sbv2-ecdsa-p256', 2);
    const data = buildEspImage({ chipId: 13, size: 9000, seed: 1 });
    const image = signedFileOf(await signImage(data, profile));

    const otherKeys = pemProfile('sbv2-ecdsa-p256', 1, { firstSlot: 5 });
    expect(signedImageProblems(image, data, { ...profile, keys: [otherKeys.keys[0], profile.keys[1]] }).join()).toMatch(/block 0/);

    const otherImage = buildEspImage({ chipId: 13, size: 9000, seed: 2 });
    expect(signedImageProblems(image, otherImage, profile)).not.toEqual([]);
    const made = { paddingLength: image.length - SECTOR_SIZE - data.length, appended: image.subarray(image.length - SECTOR_SIZE) };
    expect(signedPartsProblems(data, made, profile)).toEqual([]);
    expect(signedPartsProblems(otherImage, made, profile)).not.toEqual([]);
    expect(signedPartsProblems(data, { ...made, paddingLength: made.paddingLength + 4096 }, profile).join()).toMatch(/padded to 12288 bytes/);
    expect(signedPartsProblems(data, made, { ...profile, keys: [otherKeys.keys[0], profile.keys[1]] }).join()).toMatch(/block 0/);

    const oneBlockParts = await signImage(data, { ...profile, keys: [profile.keys[0]] });
    const oneBlock = signedFileOf(oneBlockParts);
    expect(signedPartsProblems(data, oneBlockParts, profile).join()).toMatch(/1 signature block\(s\) found, the profile has 2/);
    expect(codeOf(() => verifySignedParts(data, oneBlockParts, profile))).toBe(ErrorCode.SignatureVerificationFailed);
    expect(signedImageProblems(oneBlock, data, profile).join()).toMatch(/1 signature block\(s\) found, the profile has 2/);
    expect(codeOf(() => verifySignedImage(oneBlock, data, profile))).toBe(ErrorCode.SignatureVerificationFailed);
  });

  it('finds a tampered V2 file', async () => {
    const profile = pemProfile('sbv2-ecdsa-p256');
    const data = buildEspImage({ chipId: 13, size: 9000 });
    const image = signedFileOf(await signImage(data, profile));
    const tampered = Buffer.from(image);
    tampered[image.length - SECTOR_SIZE + 100] ^= 1; // inside block 0's signature
    expect(signedImageProblems(tampered, data, profile)).not.toEqual([]);
    const parts = { paddingLength: tampered.length - SECTOR_SIZE - data.length, appended: tampered.subarray(tampered.length - SECTOR_SIZE) };
    expect(signedPartsProblems(data, parts, profile)).not.toEqual([]);
  });
});
