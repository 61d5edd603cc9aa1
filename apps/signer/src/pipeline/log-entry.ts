import { createHash } from 'node:crypto';
import type { SignJobData, SigningPolicyFacts } from '@fleetsign/queue';
import type { EspImage } from '@fleetsign/secure-boot';
import type { UnsequencedEntry } from '@fleetsign/tlog';
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

/** Everything one signing produced, for its log entry. */
export interface SigningFacts {
  jobId: string;
  data: SignJobData;
  profile: OpenProfile;
  image: EspImage;
  source: SourceImage;
  digest: ImageDigest;
  /** The signed file as stored. */
  signed: SignedOutput;
  /** Set when no new signature was made: the job whose signed file of the same image is reused. */
  reusedFrom?: string;
  /** The policy facts the signing was decided on. */
  policy?: SigningPolicyFacts;
}

/** The approvals are a field of the entry of their own; the policy copy leaves them out (one place per fact). */
function policyWithoutApprovals(policy: SigningPolicyFacts): Record<string, unknown> {
  const { approvals: _approvals, ...rest } = policy;
  return { ...rest };
}

/** The transparency log entry of a signing (TransparencyLog.append gives it its `seq`). */
export function logEntryFor(facts: SigningFacts, now = new Date()): UnsequencedEntry {
  const { data, profile, image } = facts;
  // The eFuse holds the first 16 bytes of the digest on ESP32-C2, all 32 elsewhere.
  const efuseBytes = image.chip?.keyDigestLength ?? 32;
  return {
    version: 1,
    kind: facts.reusedFrom ? 'reused' : 'signed',
    jobId: facts.jobId,
    tenant: data.tenant,
    ...(data.requester ? { requester: data.requester } : {}),
    ...(data.requesterIssuer ? { requesterIssuer: data.requesterIssuer } : {}),
    profile: profile.name,
    scheme: profile.scheme,
    chip: image.chip?.name ?? `chip id ${image.chipId}`,
    keys: profile.keys.map((key) => ({
      index: key.index,
      algorithm: key.algorithm,
      keyDigestSha256: key.keyDigest.toString('hex'),
      keyDigestEfuse: key.keyDigest.subarray(0, efuseBytes).toString('hex'),
      keyRef: key.signer.description,
    })),
    source: { key: facts.source.key, sha256: facts.source.sha256, size: facts.source.data.length },
    imageSha256: facts.digest.imageSha256,
    signed: {
      key: facts.signed.key,
      sha256: facts.signed.sha256,
      size: facts.signed.size,
      signedDataLength: facts.digest.signedDataLength,
    },
    ...(data.batchId ? { batch: { id: data.batchId, ...(data.batchIndex !== undefined ? { item: data.batchIndex } : {}) } } : {}),
    ...(facts.reusedFrom ? { reusedFrom: facts.reusedFrom } : {}),
    requestedAt: data.requestedAt,
    time: now.toISOString(),
    ...(data.metadata ? { metadata: data.metadata } : {}),
    ...(data.approval ? { approvals: data.approval.decisions.map((d) => ({ ...d })) } : {}),
    ...(facts.policy ? { policy: policyWithoutApprovals(facts.policy) } : {}),
  };
}
