import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { KeySigner } from '@fleetsign/keys';
import type { ObjectStore } from '@fleetsign/storage';
import { type CompactRange, type LogLayout, parseCheckpoint, signCheckpoint } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppendLease } from './append-lease';
import type { SignedTree, TransparencyLog } from './transparency-log';

/** Largest checkpoint note read back. */
const MAX_NOTE_BYTES = 64 * 1024;

/** Redis key of the published log key: `${prefix}:tlog:public-key` ({origin, publicKeyPem}). */
export function logPublicKeyRedisKey(prefix: string): string {
  return `${prefix}:tlog:public-key`;
}

/** What the checkpointer works with. */
export interface CheckpointerDeps {
  log: Pick<TransparencyLog, 'head' | 'onGroupWritten' | 'useCheckpoints'>;
  store: ObjectStore;
  layout: LogLayout;
  redis: Redis;
  prefix: string;
  /** The log key (ECDSA P-256). */
  key: KeySigner;
  origin: string;
  /** A checkpoint after this many new entries ... */
  every: number;
  /** ... or this long after the last one, when there are new entries. */
  intervalMs: number;
  logger: Logger;
}

/**
 * Signs checkpoints of the log with the log key: every `every` entries, every
 * `intervalMs` when entries were added, once more on shutdown, and on demand for a group
 * holding a release job (`signTree`) or at the end of a batch (`checkpointNow`). Each is
 * written create-only to `<root>checkpoints/<size>` and copied to `<root>checkpoint` (the
 * newest). A checkpoint signs a head that is already durable (the cached head moves only
 * after its group is stored), so it needs no append lease: appends go on while a
 * checkpoint is signed. Its own lease keeps `<root>checkpoint` from moving backwards when
 * two signers checkpoint at once.
 */
export class Checkpointer {
  private readonly lease: AppendLease;
  private timer?: NodeJS.Timeout;
  private sinceLast = 0;
  private running?: Promise<void>;
  private unsubscribe?: () => void;
  private keyPublished?: Promise<void>;

  constructor(private readonly deps: CheckpointerDeps) {
    this.lease = new AppendLease(deps.redis, deps.prefix, 'checkpoint-lease');
    if (deps.key.algorithm !== 'ecdsa-p256') {
      throw new FleetSignError(ErrorCode.InvalidConfig, `transparency_log.key must be an ECDSA P-256 key (C2SP signed-note type 0x02), not ${deps.key.algorithm}`, {
        setting: 'transparency_log.key',
      });
    }
  }

  /** Publishes the log key (Redis now, the store with the first checkpoint) and starts the cadence. */
  async start(): Promise<void> {
    const { redis, prefix, origin } = this.deps;
    await redis.set(logPublicKeyRedisKey(prefix), JSON.stringify({ origin, publicKeyPem: this.publicKeyPem }));
    this.unsubscribe = this.deps.log.onGroupWritten((count) => {
      this.sinceLast += count;
      if (this.sinceLast >= this.deps.every) void this.checkpoint();
    });
    this.timer = setInterval(() => void this.checkpoint(), this.deps.intervalMs);
    this.timer.unref();
    this.deps.log.useCheckpoints(this);
  }

  /** Stops the cadence, makes a last checkpoint and closes the log key. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    try {
      await this.checkpoint();
    } finally {
      await this.deps.key.close();
    }
  }

  /** Makes a checkpoint of the log as it ends now unless the newest one covers it; never two at once; failures are logged, not thrown. */
  checkpoint(): Promise<void> {
    this.running ??= this.makeCheckpoint()
      .then(() => undefined)
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'could not make a transparency log checkpoint; the next one will cover it'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * The newest checkpoint once it covers the log as it ends now (making one when it does
   * not); throws when none can be made (the caller retries). Batch manifests prove their
   * items against it.
   */
  async checkpointNow(): Promise<SignedTree> {
    await this.running;
    const made = await this.makeCheckpoint();
    if (!made) throw new FleetSignError(ErrorCode.Internal, 'the transparency log is empty; there is nothing to checkpoint');
    return made;
  }

  /**
   * Signs a checkpoint of exactly the tree `range` (a durable head: the append path calls
   * this right after a group is stored) and returns its note. The note stored for that size
   * wins when another signer made one first (same tree, so the same statement).
   */
  async signTree(range: CompactRange): Promise<SignedTree> {
    try {
      return await this.signAndStore(range);
    } catch (err) {
      this.deps.logger.warn({ err, size: range.size }, 'could not sign a transparency log checkpoint');
      throw err;
    }
  }

  private async signAndStore(range: CompactRange): Promise<SignedTree> {
    await this.publishKeyOnce();
    const { layout, store, origin } = this.deps;
    const size = range.size;
    let note = await signCheckpoint({ origin, size, rootHash: range.root() }, this.deps.key);
    try {
      await store.put(layout.checkpointKey(size), Buffer.from(note, 'utf8'), { contentType: 'text/plain', ifNoneMatch: true });
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.FileExists)) throw err;
      note = (await store.getBuffer(layout.checkpointKey(size), MAX_NOTE_BYTES)).toString('utf8');
    }
    await this.lease.hold(async () => {
      const newest = await this.newestSize();
      if (newest !== undefined && newest >= size) return;
      await store.put(layout.latestCheckpointKey, Buffer.from(note, 'utf8'), { contentType: 'text/plain' });
      this.sinceLast = 0;
    });
    this.deps.logger.debug({ size, root: range.root().toString('base64') }, 'transparency log checkpoint signed');
    return { size, note };
  }

  private async makeCheckpoint(): Promise<SignedTree | undefined> {
    const head = await this.deps.log.head();
    if (head.size === 0) return undefined;
    const newest = await this.readNewest();
    if (newest && newest.size >= head.size) return newest;
    const made = await this.signAndStore(head);
    this.deps.logger.info({ size: made.size }, 'transparency log checkpoint signed');
    return made;
  }

  private publishKeyOnce(): Promise<void> {
    // The key goes to the store before the first checkpoint it signs (a store outage at start-up must not stop the signer).
    this.keyPublished ??= this.publishKey().catch((err: unknown) => {
      this.keyPublished = undefined;
      throw err;
    });
    return this.keyPublished;
  }

  /** The newest checkpoint in the store, if any. */
  private async readNewest(): Promise<SignedTree | undefined> {
    let note: string;
    try {
      note = (await this.deps.store.getBuffer(this.deps.layout.latestCheckpointKey, MAX_NOTE_BYTES)).toString('utf8');
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
      throw err;
    }
    const end = note.indexOf('\n\n');
    return { size: parseCheckpoint(end < 0 ? note : note.slice(0, end + 1)).size, note };
  }

  /** Tree size of the newest checkpoint in the store, if any. */
  private async newestSize(): Promise<number | undefined> {
    return (await this.readNewest())?.size;
  }

  private get publicKeyPem(): string {
    return this.deps.key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }

  /** Stores the log key; refuses a key other than the one the log was started with. */
  private async publishKey(): Promise<void> {
    const { store, layout } = this.deps;
    const pem = this.publicKeyPem;
    try {
      await store.put(layout.publicKeyKey, Buffer.from(pem, 'utf8'), { contentType: 'application/x-pem-file', ifNoneMatch: true });
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.FileExists)) throw err;
    }
    const stored = (await store.getBuffer(layout.publicKeyKey, MAX_NOTE_BYTES)).toString('utf8');
    if (stored !== pem) {
      throw new FleetSignError(ErrorCode.InvalidConfig, `transparency_log.key is not the key of the log in ${layout.root} (its public key is in ${layout.publicKeyKey})`, {
        setting: 'transparency_log.key',
      });
    }
  }
}
