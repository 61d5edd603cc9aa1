import { createHash } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  ESP_APP_DESC_MAGIC,
  encodeEspAppDescription,
  parseEspImage,
  segmentChecksum,
  signedDataLengthForImageEnd,
} from './esp-image';
import { buildEspImage } from './image-builder';

/** Runs `fn`, expects a FleetSignError with `code`, and returns it for further checks. */
function expectFleetSignError(fn: () => unknown, code: ErrorCode, message?: RegExp): FleetSignError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FleetSignError);
  const error = caught as FleetSignError;
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
  return error;
}

/** Rewrites the checksum byte and appended digest after a deliberate edit of segment data. */
function refreshIntegrity(image: Buffer): Buffer {
  const parsed = parseEspImage(image, { reportIntegrityErrors: true });
  const checksumOffset = parsed.checksumOffset!;
  image[checksumOffset] = segmentChecksum(image, parsed.segments);
  if (parsed.hashAppended) {
    createHash('sha256')
      .update(image.subarray(0, checksumOffset + 1))
      .digest()
      .copy(image, checksumOffset + 1);
  }
  return image;
}

describe('parseEspImage on built images', () => {
  it('reads back every field the builder wrote', () => {
    const data = buildEspImage({
      chipId: 9,
      size: 200_000,
      seed: 7,
      secureVersion: 3,
      projectName: 'thermostat',
      version: '2.4.1-rc1',
      appDescription: { idfVersion: 'v5.5.2', time: '08:15:00', date: 'Mar  3 2026' },
      minChipRevision: 1,
      maxChipRevision: 199,
    });
    const image = parseEspImage(data);
    expect(image.chipId).toBe(9);
    expect(image.chip?.name).toBe('ESP32-S3');
    expect(image.flashMode).toBe(2);
    expect(image.header?.wpPin).toBe(0xee);
    expect(image.minChipRevision).toBe(1);
    expect(image.maxChipRevision).toBe(199);
    expect(image.hashAppended).toBe(true);
    expect(image.checksumOk).toBe(true);
    expect(image.hashOk).toBe(true);
    expect(image.segmentCount).toBe(image.segments.length);
    expect(image.segments[0].offset).toBe(0x20);
    expect(image.imageEnd).toBe(200_000);
    expect(image.trailingLength).toBe(0);
    expect(image.signedDataLength).toBe(200_704);
    expect(image.appendedDigest).toEqual(
      createHash('sha256')
        .update(data.subarray(0, 200_000 - 32))
        .digest(),
    );
    expect(image.appDescription).toMatchObject({
      secureVersion: 3,
      projectName: 'thermostat',
      version: '2.4.1-rc1',
      idfVersion: 'v5.5.2',
      time: '08:15:00',
      date: 'Mar  3 2026',
      mmuPageSize: 0x10000,
    });
    expect(image.appDescription?.appElfSha256).toHaveLength(32);
  });

  it('places every segment inside the file, back to back', () => {
    const data = buildEspImage({ chipId: 0, size: 3 * 1024 * 1024, seed: 2 });
    const image = parseEspImage(data);
    let pos = 24;
    for (const segment of image.segments) {
      expect(segment.offset).toBe(pos + 8);
      expect(data.readUInt32LE(pos)).toBe(segment.loadAddress);
      expect(data.readUInt32LE(pos + 4)).toBe(segment.length);
      pos = segment.offset + segment.length;
    }
    expect(image.checksumOffset).toBe(pos | 15);
  });

  it('parses an image without an appended digest', () => {
    const data = buildEspImage({ chipId: 5, size: 8192, hashAppended: false });
    const image = parseEspImage(data);
    expect(image.hashAppended).toBe(false);
    expect(image.hashOk).toBeUndefined();
    expect(image.appendedDigest).toBeUndefined();
    expect(image.imageEnd).toBe(8192);
    expect(image.checksumOffset).toBe(8191);
  });

  it('reports no app description when the first segment does not start with its magic', () => {
    const data = buildEspImage({
      chipId: 13,
      segments: [
        { loadAddress: 0x40800000, data: Buffer.alloc(512, 0x50) },
        { loadAddress: 0x40810000, data: Buffer.alloc(64, 1) },
      ],
    });
    const image = parseEspImage(data);
    expect(image.appDescription).toBeUndefined();
    expect(image.segmentCount).toBe(2);
  });

  it('reports no app description when the first segment is shorter than esp_app_desc_t', () => {
    const head = Buffer.alloc(252);
    head.writeUInt32LE(ESP_APP_DESC_MAGIC, 0);
    const data = buildEspImage({
      chipId: 13,
      segments: [
        { loadAddress: 0x42800020, data: head },
        { loadAddress: 0x40800000, data: Buffer.alloc(1024, 7) },
      ],
    });
    expect(parseEspImage(data).appDescription).toBeUndefined();
  });

  it('reads app description strings that fill their whole field', () => {
    const desc = encodeEspAppDescription({
      secureVersion: 0,
      version: 'v',
      projectName: 'p',
      idfVersion: 'i',
      time: 't',
      date: 'd',
    });
    Buffer.alloc(32, 0x41).copy(desc, 48); // project_name without a NUL
    const data = buildEspImage({ chipId: 9, segments: [{ loadAddress: 0x3c000020, data: desc }] });
    expect(parseEspImage(data).appDescription?.projectName).toBe('A'.repeat(32));
  });

  it('computes the same checksum for a buffer that is not 4-byte aligned', () => {
    const data = buildEspImage({ chipId: 9, size: 100_000, seed: 11 });
    const shifted = Buffer.alloc(data.length + 1).subarray(1);
    data.copy(shifted);
    expect(shifted.byteOffset % 4).not.toBe(0);
    const image = parseEspImage(shifted);
    expect(image.checksumOk).toBe(true);
    expect(segmentChecksum(shifted, image.segments)).toBe(data[image.checksumOffset!]);
  });

  it('computes the checksum as 0xEF xor every segment byte', () => {
    const data = buildEspImage({
      chipId: 0,
      segments: [
        { loadAddress: 0x3ffb0000, data: Buffer.from([1, 2, 4, 8]) },
        { loadAddress: 0x40080000, data: Buffer.from([0x10, 0x20, 0x40, 0x80, 0xff, 0, 0, 0]) },
      ],
    });
    const image = parseEspImage(data);
    expect(data[image.checksumOffset!]).toBe(0xef ^ 1 ^ 2 ^ 4 ^ 8 ^ 0x10 ^ 0x20 ^ 0x40 ^ 0x80 ^ 0xff);
  });

  it('counts bytes after the image as trailing data', () => {
    const data = buildEspImage({ chipId: 9, size: 4000 });
    const image = parseEspImage(Buffer.concat([data, Buffer.alloc(5000, 0xff)]));
    expect(image.imageEnd).toBe(4000);
    expect(image.trailingLength).toBe(5000);
    expect(image.signedDataLength).toBe(4096);
  });
});

describe('signedDataLength', () => {
  it.each([
    [1, 4096],
    [4095, 4096],
    [4096, 4096],
    [4097, 8192],
    [8192, 8192],
    [65536, 65536],
    [65537, 69632],
  ])('rounds image end %d up to %d', (imageEnd, expected) => {
    expect(signedDataLengthForImageEnd(imageEnd)).toBe(expected);
  });

  it.each([
    [4080, 4096],
    [4096, 4096],
    [4112, 8192],
    [65536, 65536],
    [65552, 69632],
  ])('an image ending at %d is signed up to %d', (size, expected) => {
    const image = parseEspImage(buildEspImage({ chipId: 9, size }));
    expect(image.imageEnd).toBe(size);
    expect(image.signedDataLength).toBe(expected);
  });
});

describe('parseEspImage rejections', () => {
  const good = buildEspImage({ chipId: 9, size: 16384, seed: 3 });
  const parsed = parseEspImage(good);
  const copy = (): Buffer => Buffer.from(good);

  it('rejects a truncated header', () => {
    const error = expectFleetSignError(
      () => parseEspImage(good.subarray(0, 23)),
      ErrorCode.InvalidImage,
      /header truncated: file has 23 bytes/,
    );
    expect(error.details).toEqual({ length: 23 });
    expectFleetSignError(() => parseEspImage(Buffer.alloc(0)), ErrorCode.InvalidImage, /has 0 bytes/);
  });

  it('rejects a bad magic byte', () => {
    const data = copy();
    data[0] = 0xe8;
    expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /magic byte is 0xe8, expected 0xe9/,
    );
  });

  it('rejects zero segments', () => {
    const data = copy();
    data[1] = 0;
    expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /segment count 0 is out of range 1\.\.16/,
    );
  });

  it('rejects 17 segments', () => {
    const data = copy();
    data[1] = 17;
    expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /segment count 17 is out of range/,
    );
  });

  it('accepts 16 segments', () => {
    const segments = Array.from({ length: 16 }, (_, i) => ({
      loadAddress: 0x40800000 + i * 0x100,
      data: Buffer.alloc(16, i),
    }));
    expect(parseEspImage(buildEspImage({ chipId: 13, segments })).segmentCount).toBe(16);
  });

  it('rejects a hash-appended flag of 2', () => {
    const data = copy();
    data[23] = 2;
    const error = expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /hash-appended flag \(offset 23\) is 2/,
    );
    expect(error.details).toEqual({ hashAppended: 2 });
  });

  it('rejects a segment header past the end of the file', () => {
    expectFleetSignError(
      () => parseEspImage(good.subarray(0, 28)),
      ErrorCode.InvalidImage,
      /header of segment 0 at offset 24 is past the end of the file \(28 bytes\)/,
    );
    const second = parsed.segments[0].offset + parsed.segments[0].length;
    expectFleetSignError(
      () => parseEspImage(good.subarray(0, second + 4)),
      ErrorCode.InvalidImage,
      new RegExp(`header of segment 1 at offset ${second} is past the end`),
    );
  });

  it('rejects a segment extending past the end of the file', () => {
    const last = parsed.segments[parsed.segments.length - 1];
    const error = expectFleetSignError(
      () => parseEspImage(good.subarray(0, last.offset + last.length - 4)),
      ErrorCode.InvalidImage,
      new RegExp(
        `segment ${parsed.segments.length - 1} \\(offset ${last.offset}, length ${last.length}\\) extends past the end`,
      ),
    );
    expect(error.details).toMatchObject({ segment: parsed.segments.length - 1, offset: last.offset });
  });

  it('rejects a segment length that would overflow the file', () => {
    const data = copy();
    data.writeUInt32LE(0x00fffffc, 28);
    expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /segment 0 .* extends past the end/,
    );
  });

  it.each([
    [0x102, 'not a multiple of 4'],
    [0x1000000, '16 MiB'],
    [0xffffffff, 'all ones'],
  ])('rejects segment length 0x%s (%s)', (length) => {
    const data = copy();
    data.writeUInt32LE(length, 28);
    expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /segment 0 has invalid length 0x[0-9a-f]+ \(must be a multiple of 4 below 16 MiB\)/,
    );
  });

  it('rejects a file cut before the checksum byte', () => {
    expectFleetSignError(
      () => parseEspImage(good.subarray(0, parsed.checksumOffset!)),
      ErrorCode.InvalidImage,
      new RegExp(`checksum byte at offset ${parsed.checksumOffset} is past the end`),
    );
  });

  it('rejects a file cut inside the appended digest', () => {
    expectFleetSignError(
      () => parseEspImage(good.subarray(0, good.length - 1)),
      ErrorCode.InvalidImage,
      /appended SHA-256 needs bytes/,
    );
  });

  it('rejects a bad checksum', () => {
    const data = copy();
    data[parsed.checksumOffset!] ^= 0x01;
    const error = expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /checksum mismatch/,
    );
    expect(error.details).toMatchObject({
      checksumOffset: parsed.checksumOffset,
      computed: good[parsed.checksumOffset!],
    });
  });

  it('rejects changed segment data through the checksum', () => {
    const data = copy();
    data[parsed.segments[1].offset + 100] ^= 0x80;
    expectFleetSignError(() => parseEspImage(data), ErrorCode.InvalidImage, /checksum mismatch/);
  });

  it('rejects a bad appended SHA-256', () => {
    const data = copy();
    data[data.length - 1] ^= 0x01;
    expectFleetSignError(
      () => parseEspImage(data),
      ErrorCode.InvalidImage,
      /SHA-256 mismatch: the digest at offset \d+/,
    );
  });

  it('rejects changed padding (hashed, not checksummed) through the digest', () => {
    const data = copy();
    data[parsed.checksumOffset! - 1] = 0x55;
    expectFleetSignError(() => parseEspImage(data), ErrorCode.InvalidImage, /SHA-256 mismatch/);
  });

  it('rejects a changed header through the digest', () => {
    const data = copy();
    data[2] = 0; // QIO instead of DIO
    expectFleetSignError(() => parseEspImage(data), ErrorCode.InvalidImage, /SHA-256 mismatch/);
    expect(parseEspImage(refreshIntegrity(data)).flashMode).toBe(0);
  });

  it('reports integrity errors instead of throwing when asked', () => {
    const data = copy();
    data[parsed.segments[0].offset + 300] ^= 0x01;
    const image = parseEspImage(data, { reportIntegrityErrors: true });
    expect(image.checksumOk).toBe(false);
    expect(image.hashOk).toBe(false);
    expect(image.imageEnd).toBe(parsed.imageEnd);
  });

  it('keeps unknown chip ids instead of failing', () => {
    const data = copy();
    data.writeUInt16LE(0x1234, 12);
    const image = parseEspImage(refreshIntegrity(data));
    expect(image.chipId).toBe(0x1234);
    expect(image.chip).toBeUndefined();
  });
});
