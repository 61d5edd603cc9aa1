import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SigningScheme } from './algorithms';
import { chipByName } from './chips';
import { type EspImage, parseEspImage } from './esp-image';
import { buildEspImage } from './image-builder';
import { checkImageForScheme, type SigningPolicyCheck, v2AlgorithmOfScheme } from './image-policy';

function imageFor(chipName: string, size = 8192, trailing?: Buffer): EspImage {
  const chip = chipByName(chipName);
  if (!chip) throw new Error(`unknown chip ${chipName}`);
  const data = buildEspImage({ chipId: chip.id, size });
  return parseEspImage(trailing ? Buffer.concat([data, trailing]) : data);
}

function outcome(image: EspImage, check: SigningPolicyCheck): 'ok' | ErrorCode {
  try {
    checkImageForScheme(image, check);
    return 'ok';
  } catch (err) {
    if (err instanceof FleetSignError) {
      expect(err.message).not.toContain('\n');
      return err.code;
    }
    throw err;
  }
}

const MISMATCH = ErrorCode.ChipSchemeMismatch;
const TOO_MANY = ErrorCode.TooManySignatureBlocks;

describe('checkImageForScheme: chip and scheme', () => {
  it.each<[string, SigningScheme, number, 'ok' | ErrorCode]>([
    ['ESP32', 'sbv1-ecdsa-p256', 1, 'ok'],
    ['ESP32', 'sbv2-rsa3072', 1, 'ok'],
    ['ESP32', 'sbv2-rsa3072', 2, TOO_MANY],
    ['ESP32', 'sbv2-ecdsa-p256', 1, MISMATCH],
    ['ESP32-S2', 'sbv1-ecdsa-p256', 1, MISMATCH],
    ['ESP32-S3', 'sbv1-ecdsa-p256', 1, MISMATCH],
    ['ESP32-C6', 'sbv1-ecdsa-p256', 1, MISMATCH],
    ['ESP32-S3', 'sbv2-rsa3072', 3, 'ok'],
    ['ESP32-S3', 'sbv2-rsa3072', 4, TOO_MANY],
    ['ESP32-S3', 'sbv2-ecdsa-p256', 1, MISMATCH],
    ['ESP32-S2', 'sbv2-ecdsa-p384', 1, MISMATCH],
    ['ESP32-C3', 'sbv2-ecdsa-p192', 1, MISMATCH],
    ['ESP32-C2', 'sbv2-rsa3072', 1, MISMATCH],
    ['ESP32-C2', 'sbv2-ecdsa-p256', 1, 'ok'],
    ['ESP32-C2', 'sbv2-ecdsa-p192', 1, 'ok'],
    ['ESP32-C2', 'sbv2-ecdsa-p256', 2, TOO_MANY],
    ['ESP32-C2', 'sbv2-ecdsa-p384', 1, MISMATCH],
    ['ESP32-C6', 'sbv2-ecdsa-p256', 3, 'ok'],
    ['ESP32-C6', 'sbv2-rsa3072', 1, 'ok'],
    ['ESP32-C6', 'sbv2-ecdsa-p384', 1, MISMATCH],
    ['ESP32-H2', 'sbv2-ecdsa-p192', 1, 'ok'],
    ['ESP32-C5', 'sbv2-ecdsa-p384', 1, 'ok'],
    ['ESP32-C5', 'sbv2-rsa3072', 3, 'ok'],
    ['ESP32-P4', 'sbv2-ecdsa-p384', 2, 'ok'],
    ['ESP32-C61', 'sbv2-ecdsa-p256', 1, 'ok'],
    ['ESP32-C61', 'sbv2-rsa3072', 1, MISMATCH],
    ['ESP32-H21', 'sbv2-rsa3072', 1, 'ok'],
    ['ESP32-H4', 'sbv2-ecdsa-p256', 1, MISMATCH],
    ['ESP32-H4', 'sbv2-rsa3072', 1, MISMATCH],
    ['ESP32-E22', 'sbv2-rsa3072', 1, MISMATCH],
    ['ESP32', 'sbv1-ecdsa-p256', 2, TOO_MANY],
  ])('%s with %s and %d block(s): %s', (chip, scheme, blockCount, expected) => {
    expect(outcome(imageFor(chip), { scheme, blockCount })).toBe(expected);
  });

  it('names the chip and the accepted algorithms in the message', () => {
    expect(() =>
      checkImageForScheme(imageFor('ESP32-S3'), { scheme: 'sbv2-ecdsa-p256', blockCount: 1 }),
    ).toThrow('ESP32-S3 cannot boot sbv2-ecdsa-p256 images; its Secure Boot V2 accepts rsa3072');
  });

  it('refuses an unknown chip id for every scheme', () => {
    const data = buildEspImage({ chipId: 0x77, size: 4096 });
    const image = parseEspImage(data);
    for (const scheme of ['sbv2-rsa3072', 'sbv1-ecdsa-p256'] as const) {
      expect(outcome(image, { scheme, blockCount: 1 })).toBe(MISMATCH);
    }
  });

  it.each([0, -1, 1.5])('refuses a block count of %d as an invalid argument', (blockCount) => {
    expect(outcome(imageFor('ESP32-S3'), { scheme: 'sbv2-rsa3072', blockCount })).toBe(
      ErrorCode.InvalidArgument,
    );
  });

  it('maps schemes to V2 algorithms', () => {
    expect(v2AlgorithmOfScheme('sbv2-ecdsa-p384')).toBe('ecdsa-p384');
    expect(v2AlgorithmOfScheme('sbv2-rsa3072')).toBe('rsa3072');
    expect(v2AlgorithmOfScheme('sbv1-ecdsa-p256')).toBeUndefined();
  });
});

describe('checkImageForScheme: allowed chips', () => {
  const check = { scheme: 'sbv2-rsa3072', blockCount: 1 } as const;

  it('accepts a chip in the list, whatever its spelling', () => {
    expect(outcome(imageFor('ESP32-S3'), { ...check, allowedChips: ['esp32c3', 'esp32s3'] })).toBe('ok');
    expect(outcome(imageFor('ESP32-S3'), { ...check, allowedChips: ['ESP32-S3'] })).toBe('ok');
  });

  it('refuses a chip missing from the list', () => {
    expect(outcome(imageFor('ESP32-S3'), { ...check, allowedChips: ['esp32s2', 'esp32'] })).toBe(MISMATCH);
    expect(outcome(imageFor('ESP32-S3'), { ...check, allowedChips: [] })).toBe(MISMATCH);
  });

  it('does not treat ESP32 as a prefix of other chips', () => {
    expect(outcome(imageFor('ESP32-S3'), { ...check, allowedChips: ['esp32'] })).toBe(MISMATCH);
    expect(outcome(imageFor('ESP32'), { ...check, allowedChips: ['esp32'] })).toBe('ok');
  });
});

describe('checkImageForScheme: trailing data', () => {
  const v2 = { scheme: 'sbv2-rsa3072', blockCount: 1 } as const;
  const ff = (n: number): Buffer => Buffer.alloc(n, 0xff);

  it('accepts padding up to the 4 KiB boundary after the image end', () => {
    expect(outcome(imageFor('ESP32-S3', 4080, ff(16)), v2)).toBe('ok');
    expect(outcome(imageFor('ESP32-S3', 4112, ff(4080)), v2)).toBe('ok');
  });

  it('accepts any bytes in the gap since they are signed as they are', () => {
    expect(outcome(imageFor('ESP32-S3', 4080, Buffer.alloc(16, 0x00)), v2)).toBe('ok');
  });

  it('refuses one byte past the boundary', () => {
    expect(outcome(imageFor('ESP32-S3', 4080, ff(17)), v2)).toBe(ErrorCode.ImageTrailingData);
    expect(outcome(imageFor('ESP32-S3', 4112, ff(4081)), v2)).toBe(ErrorCode.ImageTrailingData);
  });

  it('refuses any data after an image that ends on a 4 KiB boundary', () => {
    expect(outcome(imageFor('ESP32-S3', 8192), v2)).toBe('ok');
    expect(outcome(imageFor('ESP32-S3', 8192, ff(1)), v2)).toBe(ErrorCode.ImageTrailingData);
    expect(outcome(imageFor('ESP32-S3', 8192, ff(4096)), v2)).toBe(ErrorCode.ImageTrailingData);
  });

  it('explains where the device would look in the message and details', () => {
    let error: FleetSignError | undefined;
    try {
      checkImageForScheme(imageFor('ESP32-S3', 4080, ff(4096)), v2);
    } catch (err) {
      error = err as FleetSignError;
    }
    expect(error?.message).toBe(
      'File is 8176 bytes but may be at most 4096 bytes (image end 4080 rounded up to 4 KiB); the device would not find the signature sector',
    );
    expect(error?.details).toMatchObject({ fileLength: 8176, imageEnd: 4080, signedDataLength: 4096 });
  });

  it('accepts exactly one signature sector after the signed data when appending', () => {
    const append = { ...v2, appendSignatures: true };
    expect(outcome(imageFor('ESP32-S3', 4080, ff(16 + 4096)), append)).toBe('ok');
    expect(outcome(imageFor('ESP32-S3', 4080), append)).toBe('ok');
    expect(outcome(imageFor('ESP32-S3', 4080, ff(16 + 4095)), append)).toBe(ErrorCode.ImageTrailingData);
    expect(outcome(imageFor('ESP32-S3', 4080, ff(16 + 4097)), append)).toBe(ErrorCode.ImageTrailingData);
    expect(outcome(imageFor('ESP32-S3', 4080, ff(16 + 8192)), append)).toBe(ErrorCode.ImageTrailingData);
  });

  it('requires the V1 signature to follow the image directly', () => {
    const v1 = { scheme: 'sbv1-ecdsa-p256', blockCount: 1 } as const;
    expect(outcome(imageFor('ESP32', 4080), v1)).toBe('ok');
    expect(outcome(imageFor('ESP32', 4080, ff(16)), v1)).toBe(ErrorCode.ImageTrailingData);
  });
});
