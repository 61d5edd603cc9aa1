import { createHash } from 'node:crypto';
import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { FleetSignJob, KeyUsageFacts, QueueName, SignJobData, SignJobResult, SigningPolicyFacts } from '@fleetsign/queue';
import { type KeyAlgorithm, SECTOR_SIZE, type SigningScheme } from '@fleetsign/secure-boot';
import type { ObjectStore } from '@fleetsign/storage';
import type { ProfileKeyRegistry } from '../keys/profile-key-registry';
import type { OpenProfile } from '../keys/profile-keys';
import type { SignerMetrics } from '../observability/signer-metrics';
import type { SigningPolicy } from '../policy/signing-policy';
import type { ReuseIndex } from '../reuse/reuse-index';
import type { LoggedEntry } from '../transparency-log/log-store';
import type { KeyUsageGuard } from '../usage/key-usage-guard';
import type { TransparencyLog } from '../transparency-log/transparency-log';
import { digestImage, type ImageDigest } from './digest-image';
import { fetchSource, type SourceImage } from './fetch-source';
import { logEntryFor, type SignedOutput, signedOutputOf } from './log-entry';
import type { ImageBufferPool } from './image-buffer-pool';
import { signImage } from './sign-image';
import { StepTimer } from './step-timer';
import { findEarlierSignedImage, storeSignedImage } from './store-signed-image';
import { validateImage } from './validate-image';
import { signedImageProblems, verifySignedParts } from './verify-signed-image';

/** The parts of a BullMQ sign job the pipeline reads. */
export type SignJob = Pick<FleetSignJob<QueueName.Sign>, 'id' | 'data' | 'attemptsMade'>;

/** What the pipeline runs on. */
export interface SignPipelineDeps {
  registry: ProfileKeyRegistry;
  store: ObjectStore;
  log: Pick<TransparencyLog, 'find' | 'append'>;
  /** Policy checks (anti-rollback, ...) before any HSM operation; their facts go into the result and the log entry. */
  policy: SigningPolicy;
  metrics?: SignerMetrics;
  /** Key usage limits around the HSM operation; without it no key is limited. */
  usage?: Pick<KeyUsageGuard, 'reserve' | 'refund'>;
  /** Content-addressed reuse of earlier signings; without it every job signs. */
  reuse?: ReuseIndex;
  /** Largest source image read (FLEETSIGN_MAX_IMAGE_BYTES). */
  maxImageBytes: number;
  /** Buffers large source images are read into and given back after the job; without it each job allocates its own. */
  buffers?: ImageBufferPool;
}

/** The signed file a job ends with, and how it came about. */
interface JobOutput {
  signed: SignedOutput;
  /** True when no new signature was made for this job. */
  reused: boolean;
  /** The earlier job whose signed file of the same image is reused. */
  reusedFrom?: string;
  /** The policy decisions the output was made under. */
  policy: SigningPolicyFacts;
  /** Usage of the limited keys for this job's signature (absent when reused from another job or no key is limited). */
  usage?: KeyUsageFacts[];
}

/** How the job's log entry came about. */
interface Recorded {
  logged: LoggedEntry;
  /** True when no new signature was made: an earlier attempt or an earlier job had produced the signed file. */
  reused: boolean;
}

function jobIdOf(job: SignJob): string {
  if (!job.id) throw new FleetSignError(ErrorCode.Internal, 'sign job has no id');
  return job.id;
}

/**
 * One sign job, step by step: fetch -> validate -> digest -> (reuse or) sign -> verify
 * -> store -> log. Every step is idempotent because BullMQ delivers at least once: a job
 * that already has a log entry returns that entry's result; a signed file left by an
 * attempt that died before logging it is verified and kept. The result is returned only
 * once the entry is durable in the object store.
 */
export class SignPipeline {
  constructor(private readonly deps: SignPipelineDeps) {}

  /** Signs the job's image and returns its result; throws FleetSignError for every failure a user can cause. */
  async run(job: SignJob): Promise<SignJobResult> {
    const steps = new StepTimer(this.deps.metrics);
    const jobId = jobIdOf(job);
    const earlier = await steps.run('log', () => this.deps.log.find(jobId));
    const recorded = earlier ? await this.checkRecordedOutput(earlier, steps) : await this.signAndRecord(job, jobId, steps);
    return resultOf(recorded, steps);
  }

  private async signAndRecord(job: SignJob, jobId: string, steps: StepTimer): Promise<Recorded> {
    const { data } = job;
    const profile = await this.deps.registry.acquire(data.profile);
    try {
      const { buffers } = this.deps;
      const source = await steps.run('fetch', () => fetchSource(this.deps.store, data.source, this.deps.maxImageBytes, buffers));
      try {
        return await this.signSource(job, jobId, profile, source, steps);
      } finally {
        // Every step that reads the image has finished (stores are awaited), so the buffer can serve the next job.
        buffers?.release(source.data);
      }
    } finally {
      // Keys a configuration reload replaced are closed once no job signs with them.
      this.deps.registry.release(profile);
    }
  }

  private async signSource(job: SignJob, jobId: string, profile: OpenProfile, source: SourceImage, steps: StepTimer): Promise<Recorded> {
    const { data } = job;
    const image = await steps.run('validate', () => validateImage(source.data, profile));
    const digest = await steps.run('digest', () => digestImage(source.data, profile.scheme, source.hashes));
    const decide = () => steps.run('policy', () => this.deps.policy.decide(data, image, profile));
    const output = await this.outputFor(jobId, data, profile, source, digest, steps, decide);

    const { policy } = output;
    const facts = { jobId, data, profile, image, source, digest, policy: output.usage ? { ...policy, usage: output.usage } : policy };
    const entry = logEntryFor({ ...facts, signed: output.signed, ...(output.reusedFrom ? { reusedFrom: output.reusedFrom } : {}) });
    // A release job (not a batch item) gets a checkpoint of its group at once, so its result
    // and webhook carry the inclusion proof; batch items are proven in their manifest.
    const logged = await steps.run('log', () => this.deps.log.append(entry, { prove: data.batchId === undefined }));
    if (logged.entry.signed.sha256 !== entry.signed.sha256) {
      // An earlier attempt of the same job logged its own file first; the next attempt
      // checks the stored file against that entry.
      throw new FleetSignError(ErrorCode.Internal, `job ${jobId} was logged by another attempt with a different signed file`);
    }
    if (!output.reusedFrom) {
      const signing = { jobId, signedKey: output.signed.key, signedSha256: output.signed.sha256, signedSize: output.signed.size, signedDataLength: digest.signedDataLength };
      await steps.run('reuse', () => this.deps.reuse?.remember(data.tenant, profile, digest.imageSha256, signing));
    }
    return { logged, reused: output.reused };
  }

  /**
   * The job's signed file, in order of preference (unless the job asks for a fresh
   * signature): the one an earlier attempt of this job stored; the one an earlier job
   * of the tenant made for the same image with the same profile and keys (no HSM
   * operation); else a new signing, verified before it is stored. The policy (`decide`)
   * runs on every path, before any HSM operation; for a new signing after the key usage
   * reservation, so a key without signatures left refuses before the policy records
   * anything (anti-rollback), and a policy refusal gives the reservation back.
   */
  private async outputFor(
    jobId: string,
    data: SignJobData,
    profile: OpenProfile,
    source: SourceImage,
    digest: ImageDigest,
    steps: StepTimer,
    decide: () => Promise<SigningPolicyFacts>,
  ): Promise<JobOutput> {
    const { store, metrics, usage } = this.deps;
    const isValid = (file: Buffer) => signedImageProblems(file, source.data, profile).length === 0;
    if (!data.fresh) {
      const outputLimit = digest.signedDataLength + SECTOR_SIZE;
      const earlier = await steps.run('store', () => findEarlierSignedImage(store, data.signedKey, outputLimit, isValid));
      if (earlier) {
        const policy = await decide();
        // An earlier attempt signed it: its reservation (keyed by job id) is found again, nothing new is counted.
        const counted = await steps.run('usage', () => this.earlierUsage(jobId, profile));
        return { signed: signedOutputOf(data.signedKey, earlier), reused: true, policy, ...(counted ? { usage: counted } : {}) };
      }
      const known = await steps.run('reuse', () => this.deps.reuse?.find(data.tenant, profile, digest.imageSha256));
      if (known) {
        const policy = await decide();
        metrics?.imagesReused.inc({ profile: profile.name });
        return { signed: { key: known.signedKey, sha256: known.signedSha256, size: known.signedSize }, reused: true, reusedFrom: known.jobId, policy };
      }
    }
    // Reserved before the HSM operation: a key without signatures left refuses the job here.
    const reserved = await steps.run('usage', () => usage?.reserve(jobId, profile));
    const policy = await decide().catch(async (err: unknown) => {
      if (reserved) await usage?.refund(jobId, profile, new Set()).catch(() => undefined);
      throw err;
    });
    // The SHA-256 of the padded image is known already; P-384 blocks hash with SHA-384 themselves.
    const digests = { sha256: Buffer.from(digest.imageSha256, 'hex') };
    const signedWith = new Set<number>();
    const made = await steps
      .run('sign', () => signImage(source.data, profile, digests, (index) => signedWith.add(index)))
      .catch(async (err: unknown) => {
        // What the HSM did not sign is given back; if that fails, the job's retry finds its reservation again.
        if (reserved) await usage?.refund(jobId, profile, signedWith).catch(() => undefined);
        throw err;
      });
    metrics?.signDuration.observe({ scheme: profile.scheme }, made.keyMs / 1000);
    await steps.run('verify', () => verifySignedParts(source.data, made, profile, digests));
    const file = { parts: made.parts, size: made.size, sha256: source.hashes.sha256(made.paddingLength, made.appended) };
    const stored = await steps.run('store', () => storeSignedImage(store, data.signedKey, file, { overwrite: data.fresh === true, isValid }));
    return { signed: stored.signed, reused: stored.reused, policy, ...(reserved ? { usage: reserved } : {}) };
  }

  /**
   * The usage an earlier attempt of the job reserved, for the record. Should the limit be
   * spent by now (its reservation was lost with Redis), the signature exists all the same:
   * it is recorded without usage facts instead of being refused.
   */
  private async earlierUsage(jobId: string, profile: OpenProfile): Promise<KeyUsageFacts[] | undefined> {
    try {
      return await this.deps.usage?.reserve(jobId, profile);
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.KeyUsageLimitReached)) return undefined;
      throw err;
    }
  }

  /** The job was signed and logged before: the stored file must still be the logged one. */
  private async checkRecordedOutput(logged: LoggedEntry, steps: StepTimer): Promise<Recorded> {
    const { key, sha256, size } = logged.entry.signed;
    const stored = await steps.run('store', () => hashStoredObject(this.deps.store, key, size));
    if (!stored || stored.size !== size || stored.sha256 !== sha256) {
      throw new FleetSignError(ErrorCode.Internal, `signed object ${key} is missing or differs from the job's log entry`, { key });
    }
    return { logged, reused: true };
  }
}

/** Hex SHA-256 and size of a stored object, read as a stream; undefined when missing or larger than `maxBytes`. */
async function hashStoredObject(store: ObjectStore, key: string, maxBytes: number): Promise<{ sha256: string; size: number } | undefined> {
  let stream;
  try {
    stream = await store.get(key);
  } catch (err) {
    if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
    throw err;
  }
  const hash = createHash('sha256');
  let size = 0;
  // Leaving the loop early destroys the stream.
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    hash.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), size };
}

/** The job result, from its log entry and this attempt's timings. */
function resultOf({ logged, reused }: Recorded, steps: StepTimer): SignJobResult {
  const { entry } = logged;
  return {
    imageSha256: entry.imageSha256,
    signedSha256: entry.signed.sha256,
    signedKey: entry.signed.key,
    signedSize: entry.signed.size,
    signedDataLength: entry.signed.signedDataLength,
    scheme: entry.scheme as SigningScheme,
    blocks: entry.keys.map((key) => ({ index: key.index, keyDigest: key.keyDigestEfuse, algorithm: key.algorithm as KeyAlgorithm })),
    log: {
      index: entry.seq,
      leafHash: logged.leafHash.toString('hex'),
      ...(logged.checkpoint && logged.inclusionProof
        ? { checkpoint: logged.checkpoint, inclusionProof: logged.inclusionProof.map((h) => h.toString('hex')) }
        : {}),
    },
    timings: { fetchMs: steps.ms('fetch'), signMs: steps.ms('sign'), storeMs: steps.ms('store'), totalMs: steps.totalMs() },
    ...(reused ? { reused: true } : {}),
    // The signer wrote the entry's policy object from SigningPolicyFacts; the approvals are an entry field of their own.
    ...(entry.policy || entry.approvals
      ? { policy: { ...(entry.policy as SigningPolicyFacts | undefined), ...(entry.approvals ? { approvals: entry.approvals } : {}) } }
      : {}),
  };
}
