import { createHash } from 'node:crypto';
import type { ObjectStore } from '@fleetsign/storage';
import { buildEspImage, chipByName } from '@fleetsign/secure-boot';
import { runPool } from '../core/measure';
import { BENCH_TENANT } from '../stack/fleet-config';

/** An unsigned image put in the store, ready to be named as a job source. */
export interface StagedImage {
  key: string;
  sha256: string;
  size: number;
}

/** What to stage. */
export interface StageRequest {
  /** Distinguishes this set's keys and seeds from other sets of the run. */
  name: string;
  count: number;
  /** Image size in bytes. */
  bytes: number;
  /** First seed; image i gets seed firstSeed + i, so every image differs. */
  firstSeed: number;
  /** Images built and stored at once (bounds memory for large images). */
  concurrency?: number;
}

/** The chip of every benchmark image: ESP32-C6 boots both RSA-3072 and ECDSA P-256 Secure Boot V2. */
export const BENCH_CHIP = chipByName('ESP32-C6')!;

/**
 * Builds `count` distinct valid ESP32-C6 app images and puts them under
 * incoming/bench/ in the store (outside any measured window).
 */
export async function stageImages(store: ObjectStore, request: StageRequest): Promise<StagedImage[]> {
  const staged: StagedImage[] = new Array<StagedImage>(request.count);
  await runPool(request.count, request.concurrency ?? 8, async (index) => {
    const image = buildEspImage({
      chipId: BENCH_CHIP.id,
      size: request.bytes,
      seed: request.firstSeed + index,
    });
    const key = `incoming/${BENCH_TENANT}/${request.name}-${index}.bin`;
    await store.put(key, image, { contentType: 'application/octet-stream' });
    staged[index] = { key, sha256: createHash('sha256').update(image).digest('hex'), size: image.length };
  });
  return staged;
}

let nextSeed = 1;

/** A first seed for `count` images that no other image of this run uses. */
export function allocateSeeds(count: number): number {
  const first = nextSeed;
  nextSeed += count;
  return first;
}
