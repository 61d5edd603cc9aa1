import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { SignJobData } from '@fleetsign/queue';
import type { EspImage } from '@fleetsign/secure-boot';
import type { AuditEntry } from '../audit/audit-record';
import type { OpenProfile } from '../keys/profile-keys';
import type { ImageDigest } from './digest-image';
import type { SourceImage } from './fetch-source';

/** Everything one signing produced, for its audit record. */
export interface SigningFacts {
  jobId: string;
  attempt: number;
  data: SignJobData;
  profile: OpenProfile;
  image: EspImage;
  source: SourceImage;
  digest: ImageDigest;
  /** The signed file as stored. */
  signed: Buffer;
  startedAt: Date;
}

/** The audit entry of a signing (placed in the chain by AuditChain.append). */
export function auditEntryFor(facts: SigningFacts, now = new Date()): AuditEntry {
  const { data, profile, image } = facts;
  // The eFuse holds the first 16 bytes of the digest on ESP32-C2, all 32 elsewhere.
  const efuseBytes = image.chip?.keyDigestLength ?? 32;
  return {
    version: 1,
    jobId: facts.jobId,
    tenant: data.tenant,
    profile: profile.name,
    scheme: profile.scheme,
    ...(data.batchId ? { batchId: data.batchId } : {}),
    chip: image.chip?.name ?? `chip id ${image.chipId}`,
    source: { key: facts.source.key, sha256: facts.source.sha256, size: facts.source.data.length },
    imageSha256: facts.digest.imageSha256,
    signed: {
      key: data.signedKey,
      sha256: createHash('sha256').update(facts.signed).digest('hex'),
      size: facts.signed.length,
      signedDataLength: facts.digest.signedDataLength,
    },
    keys: profile.keys.map((key) => ({
      index: key.index,
      algorithm: key.algorithm,
      keyDigestSha256: key.keyDigest.toString('hex'),
      keyDigestEfuse: key.keyDigest.subarray(0, efuseBytes).toString('hex'),
      keyRef: key.signer.description,
    })),
    signer: { host: hostname(), pid: process.pid },
    requestedAt: data.requestedAt,
    startedAt: facts.startedAt.toISOString(),
    recordedAt: now.toISOString(),
    attempt: facts.attempt,
    ...(data.metadata ? { metadata: data.metadata } : {}),
  };
}
