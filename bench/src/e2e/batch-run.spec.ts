import { checkManifest, type Manifest } from './batch-run';
import type { StagedImage } from './stage-images';

const images: StagedImage[] = [0, 1, 2].map((i) => ({
  key: `incoming/bench/b-${i}.bin`,
  sha256: 'ab',
  size: 1,
}));

function manifest(): Manifest {
  return {
    batchId: 'batch_1',
    counts: { total: 3, succeeded: 3, failed: 0 },
    items: images.map((image, index) => ({
      index,
      sourceKey: image.key,
      state: 'succeeded',
      jobId: `job_${index}`,
      signedSha256: 'cd',
    })),
  };
}

describe('checkManifest', () => {
  it('accepts a manifest where every item succeeded with its own signature', () => {
    expect(() => checkManifest(manifest(), 'batch_1', images)).not.toThrow();
  });

  it('refuses failed items, naming their error codes', () => {
    const m = manifest();
    m.counts = { total: 3, succeeded: 2, failed: 1 };
    expect(() => checkManifest(m, 'batch_1', images)).toThrow(/counts/);
    m.counts = { total: 3, succeeded: 3, failed: 0 };
    m.items[1] = { ...m.items[1], state: 'failed', error: { code: 'INVALID_IMAGE' } };
    expect(() => checkManifest(m, 'batch_1', images)).toThrow(
      /1 manifest items did not succeed \(INVALID_IMAGE\)/,
    );
  });

  it('refuses reused signatures, missing items and items out of order', () => {
    const reused = manifest();
    reused.items[2].reused = true;
    expect(() => checkManifest(reused, 'batch_1', images)).toThrow(/reused/);
    const short = manifest();
    short.items.pop();
    expect(() => checkManifest(short, 'batch_1', images)).toThrow(/lists 2 items/);
    const swapped = manifest();
    [swapped.items[0], swapped.items[1]] = [swapped.items[1], swapped.items[0]];
    expect(() => checkManifest(swapped, 'batch_1', images)).toThrow(/manifest item 0/);
  });
});
