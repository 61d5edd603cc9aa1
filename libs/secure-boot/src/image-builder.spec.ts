import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import { ESP_APP_DESC_MAGIC, parseEspImage } from './esp-image';
import { buildEspImage } from './image-builder';

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FleetSignError);
    return isFleetSignError(err) ? err.code : undefined;
  }
  return undefined;
}

describe('buildEspImage', () => {
  it('is deterministic for a seed and varies with it', () => {
    const a = buildEspImage({ chipId: 9, size: 50_000, seed: 42 });
    const b = buildEspImage({ chipId: 9, size: 50_000, seed: 42 });
    const c = buildEspImage({ chipId: 9, size: 50_000, seed: 43 });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.length).toBe(c.length);
  });

  it('fills segments with data that does not repeat', () => {
    const image = parseEspImage(buildEspImage({ chipId: 9, size: 64 * 1024, seed: 5 }));
    const data = buildEspImage({ chipId: 9, size: 64 * 1024, seed: 5 });
    const last = image.segments[image.segments.length - 1];
    const body = data.subarray(last.offset, last.offset + last.length);
    const distinct = new Set<string>();
    for (let i = 0; i + 16 <= body.length; i += 16) distinct.add(body.toString('hex', i, i + 16));
    expect(distinct.size).toBe(Math.floor(body.length / 16));
  });

  it.each([336, 337, 1000, 4096, 65536, 1_000_003])('ends the image at size %d rounded up to 16', (size) => {
    const data = buildEspImage({ chipId: 13, size });
    const expected = Math.ceil(size / 16) * 16;
    expect(data.length).toBe(expected);
    const image = parseEspImage(data);
    expect(image.imageEnd).toBe(expected);
    expect(image.trailingLength).toBe(0);
  });

  it('ends exactly at size without an appended digest too', () => {
    const data = buildEspImage({ chipId: 13, size: 4096, hashAppended: false });
    expect(data.length).toBe(4096);
    expect(parseEspImage(data).hashAppended).toBe(false);
  });

  it('uses 64 KiB by default and starts with an app description in a DROM segment', () => {
    const data = buildEspImage({ chipId: 0 });
    expect(data.length).toBe(65536);
    expect(data.readUInt32LE(0x20)).toBe(ESP_APP_DESC_MAGIC);
    const image = parseEspImage(data);
    expect(image.segments[0].loadAddress).toBe(0x3f400020);
    expect(image.appDescription).toMatchObject({
      projectName: 'fleetsign-test',
      version: '1.0.0',
      secureVersion: 0,
    });
    expect(image.segmentCount).toBeGreaterThanOrEqual(2);
  });

  it('keeps flash-mapped load addresses congruent with file offsets modulo 64 KiB', () => {
    const image = parseEspImage(buildEspImage({ chipId: 0, size: 5_000_000 }));
    for (const segment of image.segments) {
      expect(segment.loadAddress % 0x10000).toBe(segment.offset % 0x10000);
    }
  });

  it('builds a valid 16 MiB image with many segments', () => {
    const size = 16 * 1024 * 1024;
    const data = buildEspImage({ chipId: 9, size, seed: 9 });
    expect(data.length).toBe(size);
    const image = parseEspImage(data);
    expect(image.checksumOk).toBe(true);
    expect(image.hashOk).toBe(true);
    expect(image.signedDataLength).toBe(size);
    expect(image.segmentCount).toBeGreaterThanOrEqual(4);
    expect(image.segmentCount).toBeLessThanOrEqual(16);
    for (const segment of image.segments) expect(segment.length).toBeLessThanOrEqual(0x400000);
  });

  it('writes the given header fields', () => {
    const image = parseEspImage(
      buildEspImage({
        chipId: 23,
        flashMode: 3,
        flashSizeFreq: 0x4f,
        entryPoint: 0x40801234,
        minChipRevision: 102,
      }),
    );
    expect(image.flashMode).toBe(3);
    expect(image.header?.flashSizeFreq).toBe(0x4f);
    expect(image.entryPoint).toBe(0x40801234);
    expect(image.minChipRevision).toBe(102);
    expect(image.header?.minChipRevisionLegacy).toBe(1);
    expect(image.maxChipRevision).toBe(0xffff);
  });

  it('lets the shortcut fields override appDescription', () => {
    const image = parseEspImage(
      buildEspImage({ chipId: 9, appDescription: { projectName: 'a', secureVersion: 1 }, projectName: 'b' }),
    );
    expect(image.appDescription).toMatchObject({ projectName: 'b', secureVersion: 1 });
  });

  it('writes explicit segments verbatim', () => {
    const segments = [
      { loadAddress: 0x3fc88000, data: Buffer.from('abcdefgh') },
      { loadAddress: 0x40380000, data: Buffer.from('0123') },
    ];
    const data = buildEspImage({ chipId: 9, segments, hashAppended: false });
    const image = parseEspImage(data);
    expect(image.segments).toEqual([
      { loadAddress: 0x3fc88000, offset: 32, length: 8 },
      { loadAddress: 0x40380000, offset: 48, length: 4 },
    ]);
    expect(data.toString('latin1', 32, 40)).toBe('abcdefgh');
    expect(image.imageEnd).toBe(64);
  });

  it.each([
    ['a size below the minimum', { size: 335 }],
    ['a zero size', { size: 0 }],
    ['a fractional size', { size: 4096.5 }],
    ['a size beyond 16 segments', { size: 80 * 1024 * 1024 }],
    ['explicit segments with a size', { size: 4096, segments: [{ loadAddress: 0, data: Buffer.alloc(4) }] }],
    [
      'explicit segments with a project name',
      { projectName: 'x', segments: [{ loadAddress: 0, data: Buffer.alloc(4) }] },
    ],
    ['no segments', { segments: [] }],
    [
      '17 segments',
      { segments: Array.from({ length: 17 }, () => ({ loadAddress: 0, data: Buffer.alloc(4) })) },
    ],
    ['a segment length not a multiple of 4', { segments: [{ loadAddress: 0, data: Buffer.alloc(5) }] }],
    ['a project name too long', { projectName: 'p'.repeat(32) }],
    ['a time too long', { appDescription: { time: 't'.repeat(16) } }],
    ['an ELF hash of the wrong size', { appDescription: { appElfSha256: Buffer.alloc(31) } }],
  ])('refuses %s', (_label, options) => {
    expect(codeOf(() => buildEspImage({ chipId: 9, ...options }))).toBe(ErrorCode.InvalidArgument);
  });

  it('accepts the largest names that fit', () => {
    const image = parseEspImage(
      buildEspImage({ chipId: 9, projectName: 'p'.repeat(31), version: 'v'.repeat(31) }),
    );
    expect(image.appDescription?.projectName).toBe('p'.repeat(31));
    expect(image.appDescription?.version).toBe('v'.repeat(31));
  });
});
