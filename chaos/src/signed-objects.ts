import { createHash, type KeyObject } from 'node:crypto';
import { runPool } from '../../bench/src/core/measure';
import type { ObjectStore } from '@fleetsign/storage';
import { verifyV2 } from '@fleetsign/secure-boot';

/** What the store holds of the signed outputs. */
export interface SignedObjectsCheck {
  /** The job id of every signed object (`signed/<tenant>/<jobId>.bin`), one per object. */
  jobIds: string[];
  /** Succeeded jobs whose signed object is missing, differs from the reported digest, or does not verify with the profile's keys. */
  corrupt: string[];
}

const SIGNED_OBJECT = /^signed\/[^/]+\/(.+)\.bin$/;
/** Largest signed object read back (the run signs images of 64 KiB at most). */
const MAX_SIGNED_BYTES = 4 * 1024 * 1024;

/**
 * Lists the signed objects of `tenant` and re-verifies the one of every succeeded job:
 * present, the SHA-256 its manifest reported, and a Secure Boot V2 signature sector whose
 * every block verifies with the profile's published public keys.
 */
export async function checkSignedObjects(
  store: ObjectStore,
  tenant: string,
  succeeded: ReadonlyArray<{ jobId: string; signedSha256?: string }>,
  publicKeys: KeyObject[],
): Promise<SignedObjectsCheck> {
  const jobIds: string[] = [];
  for await (const key of store.list(`signed/${tenant}/`)) {
    const match = SIGNED_OBJECT.exec(key);
    if (match) jobIds.push(match[1]);
  }
  const corrupt: string[] = [];
  await runPool(succeeded.length, 8, async (index) => {
    const { jobId, signedSha256 } = succeeded[index];
    let file: Buffer;
    try {
      file = await store.getBuffer(`signed/${tenant}/${jobId}.bin`, MAX_SIGNED_BYTES);
    } catch {
      corrupt.push(jobId);
      return;
    }
    const digest = createHash('sha256').update(file).digest('hex');
    const report = verifyV2(file, { publicKeys, imageLayout: 'require' });
    if (digest !== signedSha256 || !report.valid || report.validBlocks.length !== publicKeys.length) corrupt.push(jobId);
  });
  return { jobIds, corrupt };
}
