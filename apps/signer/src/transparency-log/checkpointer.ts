import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { KeySigner } from '@fleetsign/keys';
import type { ObjectStore } from '@fleetsign/storage';
import { type LogLayout, parseCheckpoint, signCheckpoint } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppendLease } from './append-lease';
import type { TransparencyLog } from './transparency-log';

/** Largest checkpoint note read back. */
const MAX_NOTE_BYTES = 64 * 1024;

/** Redis key of the published log key: `${prefix}:tlog:public-key` ({origin, publicKeyPem}). */
export function logPublicKeyRedisKey(prefix: string): string {
  return `${prefix}:tlog:public-key`;
}

/** What the checkpointer works with. */
export interface CheckpointerDeps {
  log: Pick<TransparencyLog, 'head' | 'onGroupWritten'>;
  store: ObjectStore;
  layout: LogLayout;
  lease: Pick<AppendLease, 'hold'>;
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
 * `intervalMs` when entries were added, and once more on shutdown. Each is written
 * create-only to `<root>checkpoints/<size>` and copied to `<root>checkpoint` (the newest).
 * Checkpointing holds the append lease, so no group is written while the head is read.
 */
export class Checkpointer {
  private timer?: NodeJS.Timeout;
  private sinceLast = 0;
  private running?: Promise<void>;
  private unsubscribe?: () => void;
  private keyPublished?: Promise<void>;

  constructor(private readonly deps: CheckpointerDeps) {
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

  /** Makes a checkpoint of the log as it ends now unless the newest one covers it; never two at once. */
  checkpoint(): Promise<void> {
    this.running ??= this.makeCheckpoint()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'could not make a transparency log checkpoint; the next one will cover it'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async makeCheckpoint(): Promise<void> {
    const { layout, store, origin } = this.deps;
    // The key goes to the store before the first checkpoint it signs (a store outage at start-up must not stop the signer).
    this.keyPublished ??= this.publishKey().catch((err: unknown) => {
      this.keyPublished = undefined;
      throw err;
    });
    await this.keyPublished;
    await this.deps.lease.hold(async () => {
      const head = await this.deps.log.head();
      const newest = await this.newestSize();
      if (head.size === 0 || (newest !== undefined && newest >= head.size)) return;
      this.sinceLast = 0;
      const note = await signCheckpoint({ origin, size: head.size, rootHash: head.root() }, this.deps.key);
      try {
        await store.put(layout.checkpointKey(head.size), Buffer.from(note, 'utf8'), { contentType: 'text/plain', ifNoneMatch: true });
      } catch (err) {
        // A checkpoint of this size exists (another signer's): keep it, it signs the same tree.
        if (!isFleetSignError(err, ErrorCode.FileExists)) throw err;
      }
      await store.put(layout.latestCheckpointKey, Buffer.from(note, 'utf8'), { contentType: 'text/plain' });
      this.deps.logger.info({ size: head.size, root: head.root().toString('base64') }, 'transparency log checkpoint signed');
    });
  }

  /** Tree size of the newest checkpoint in the store, if any. */
  private async newestSize(): Promise<number | undefined> {
    let note: string;
    try {
      note = (await this.deps.store.getBuffer(this.deps.layout.latestCheckpointKey, MAX_NOTE_BYTES)).toString('utf8');
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
      throw err;
    }
    const end = note.indexOf('\n\n');
    return parseCheckpoint(end < 0 ? note : note.slice(0, end + 1)).size;
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
