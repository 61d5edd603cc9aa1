import { buildEspImage } from '@fleetsign/secure-boot';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageHeaderPeek } from './image-header-peek';

async function peekThrough(chunks: Buffer[]): Promise<{ chipId: number | undefined; passed: Buffer }> {
  const peek = new ImageHeaderPeek();
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), peek, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return { chipId: peek.chipId(), passed: Buffer.concat(out) };
}

describe('ImageHeaderPeek', () => {
  const image = buildEspImage({ chipId: 5, size: 3_000, seed: 4 });

  it('reads the chip id from a header split over several chunks and passes every byte through', async () => {
    const chunks = [image.subarray(0, 5), image.subarray(5, 13), image.subarray(13, 100), image.subarray(100)];
    const { chipId, passed } = await peekThrough(chunks);
    expect(chipId).toBe(5);
    expect(passed.equals(image)).toBe(true);
  });

  it('knows no chip for data that is not an ESP image or is shorter than the header', async () => {
    expect((await peekThrough([Buffer.from('not an image at all, no magic byte here')])).chipId).toBeUndefined();
    expect((await peekThrough([image.subarray(0, 23)])).chipId).toBeUndefined();
  });
});
