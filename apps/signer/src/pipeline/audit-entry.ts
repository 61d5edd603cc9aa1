import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { SignJobData, SigningPolicyFacts } from '@fleetsign/queue';
import type { EspImage } from '@fleetsign/secure-boot';
import type { AuditEntry } from '../audit/audit-record';
import type { OpenProfile } from '../keys/profile-keys';
import type { ImageDigest } from './digest-image';
import type { SourceImage } from './fetch-source';

/** The signed file a job ends with. */
export interface SignedOutput {
  key: string;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
  size: number;
}

/** The signed file of a buffer stored at `key`. */
export function signedOutputOf(key: string, file: Buffer): SignedOutput {
  return { key, sha256: createHash('sha256').update(file).digest('hex'), size: file.length };
}

/** This signer's host name, as every record names it. */
const HOST = hostname();

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
  signed: SignedOutput;
  /** Set when no new signature was made: the job whose signed file of the same image is reused. */
  reusedFrom?: string;
  startedAt: Date;
  /** The policy facts the signing was decided on. */
  policy?: SigningPolicyFacts;
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
      key: facts.signed.key,
      sha256: facts.signed.sha256,
      size: facts.signed.size,
      signedDataLength: facts.digest.signedDataLength,
    },
    keys: profile.keys.map((key) => ({
      index: key.index,
      algorithm: key.algorithm,
      keyDigestSha256: key.keyDigest.toString('hex'),
      keyDigestEfuse: key.keyDigest.subarray(0, efuseBytes).toString('hex'),
      keyRef: key.signer.description,
    })),
    signer: { host: HOST, pid: process.pid },
    requestedAt: data.requestedAt,
    startedAt: facts.startedAt.toISOString(),
    recordedAt: now.toISOString(),
    attempt: facts.attempt,
    ...(facts.reusedFrom ? { reused: true as const, reusedFrom: facts.reusedFrom } : {}),
    ...(data.metadata ? { metadata: data.metadata } : {}),
    ...(facts.policy ? { policy: facts.policy } : {}),
  };
}
