import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { KEY_ALGORITHMS, type KeyAlgorithm, publicKeyDigestV2, SECTOR_SIZE, verifyV2 } from '@fleetsign/secure-boot';
import { blockVerifiesWithNode } from '../../integration/signer/signer-test-kit';
import type { ProfilePublicKeys, SucceededJob } from './signing-client';

// Checks a downloaded signed file the way a device owner would: only with what the API
// published (the profile's public keys) and the bytes they uploaded.

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The image padded with 0xFF to the next 4 KiB boundary: the data Secure Boot V2 signs. */
export function paddedImage(image: Buffer): Buffer {
  const length = Math.ceil(image.length / SECTOR_SIZE) * SECTOR_SIZE;
  return Buffer.concat([image, Buffer.alloc(length - image.length, 0xff)]);
}

/** The profile's public keys as node:crypto key objects, in block order. */
export function publishedKeyObjects(published: ProfilePublicKeys): KeyObject[] {
  return published.keys.map((key) => createPublicKey(key.publicKeyPem));
}

/**
 * Asserts that `file` is `image` signed by every key the profile published, one block per
 * key in key order: the job result describes the file, FleetSign's verifier accepts it
 * with the layout required, and node:crypto accepts each block read at its byte offsets.
 */
export function expectSignedWithPublishedKeys(file: Buffer, image: Buffer, published: ProfilePublicKeys, job: SucceededJob): void {
  const keys = publishedKeyObjects(published);
  const signedData = paddedImage(image);

  expect(file.length).toBe(job.result.signedSize);
  expect(sha256Hex(file)).toBe(job.result.signedSha256);
  expect(file.length).toBe(signedData.length + SECTOR_SIZE);
  expect(file.subarray(0, signedData.length).equals(signedData)).toBe(true);
  expect(job.result.imageSha256).toBe(sha256Hex(signedData));
  expect(job.result.scheme).toBe(published.scheme);

  // The published digests belong to the published keys, and the job reports those keys.
  for (const [i, key] of published.keys.entries()) {
    expect(key.keyDigestSha256).toBe(publicKeyDigestV2(keys[i]).toString('hex'));
  }
  expect(job.result.blocks).toEqual(published.keys.map((key) => ({ index: key.index, algorithm: key.algorithm, keyDigest: key.keyDigestEfuse })));

  const report = verifyV2(file, { publicKeys: keys, imageLayout: 'require' });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({ valid: true, validBlocks: keys.map((_, i) => i), signedDataLength: signedData.length });
  expect(report.blocks.map((block) => block.keyDigest.toString('hex'))).toEqual(published.keys.map((key) => key.keyDigestSha256));

  for (const [i, key] of published.keys.entries()) {
    expect(KEY_ALGORITHMS).toContain(key.algorithm);
    expect(blockVerifiesWithNode(file, i, key.algorithm as KeyAlgorithm, keys[i])).toBe(true);
  }
}
