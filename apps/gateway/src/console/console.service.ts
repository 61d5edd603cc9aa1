import { BatchStore, type FleetSignQueue, QueueName, type SignerHealthReport, batchItemJobId, readSignerHealth } from '@fleetsign/queue';
import { Inject, Injectable } from '@nestjs/common';
import type { FleetSignConfig } from '@fleetsign/config';
import { readProfileKeys } from '@fleetsign/queue/profile-key-directory';
import type { JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuditService, type CheckpointSummary } from '../audit/audit.service';
import { GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, REDIS, SIGN_QUEUE, WEBHOOK_QUEUE } from '../core/gateway.tokens';
import { type ConsoleBatchRow, type ConsoleJobRow, type Throughput, consoleBatchRow, consoleJobRow, throughputOf } from './console-views';

/** Job states the queue depth reports. */
const DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;
/** States read for the recent-jobs list, each read up to RECENT_PER_STATE deep. */
const LISTED_STATES = ['active', 'prioritized', 'waiting', 'delayed', 'completed', 'failed'] as const;
const RECENT_PER_STATE = 50;
/** Jobs shown in the recent list and batches shown. */
const RECENT_JOBS = 30;
const RECENT_BATCHES = 10;
/** Throughput window and how many finished jobs it is measured over (most recent first). */
const THROUGHPUT_WINDOW_MS = 5 * 60_000;
/** Finished jobs a SHA-256 search looks through (most recent first): bounded work per request. */
const SEARCH_DEPTH = 1000;

/** Queue depth of one queue, by BullMQ state. */
export type QueueDepth = Record<(typeof DEPTH_STATES)[number], number>;

/** A profile as the console shows it: configured state and what a signer published. */
export interface ConsoleProfileRow {
  name: string;
  scheme: string;
  state: string;
  allowedChips?: string[];
  /** Set when a signer opened the profile's keys and published them. */
  published?: { at: string; keys: Array<{ index: number; algorithm: string; keyDigestSha256: string }> };
}

/** Body of `GET /v1/console/overview`. */
export interface ConsoleOverview {
  generatedAt: string;
  queues: { sign: QueueDepth; webhook: QueueDepth };
  /** Signer processes connected to the sign queue (BullMQ workers); null where Redis refuses CLIENT LIST. */
  signers: number | null;
  throughput: Throughput;
  profiles: ConsoleProfileRow[];
  /** What each running signer reported within the last 30 s: its profiles, keys and PKCS#11 sessions. */
  signerHealth: SignerHealthReport[];
  /** The transparency log's latest signed checkpoint; null before the first, or when the store cannot be read. */
  checkpoint: CheckpointSummary | null;
  recentJobs: ConsoleJobRow[];
  batches: ConsoleBatchRow[];
}

/** Body of `GET /v1/console/search`. */
export interface ConsoleSearchResult {
  query: string;
  kind: 'job' | 'batch' | 'sha256';
  jobs: ConsoleJobRow[];
  batch?: ConsoleBatchRow;
}

/**
 * What the operator console shows, across tenants, read-only: queue depths, signers,
 * throughput and failures by code, profiles and their published keys, recent jobs and
 * batches, and lookups by job id, batch id or image SHA-256. Every read is bounded.
 */
@Injectable()
export class ConsoleService {
  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(SIGN_QUEUE) private readonly signQueue: FleetSignQueue<QueueName.Sign>,
    @Inject(WEBHOOK_QUEUE) private readonly webhookQueue: FleetSignQueue<QueueName.Webhook>,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly settings: GatewaySettings,
    private readonly batches: BatchStore,
    private readonly audit: AuditService,
  ) {}

  async overview(now = Date.now()): Promise<ConsoleOverview> {
    const [sign, webhook, signers, recent, profiles, checkpoint, signerHealth] = await Promise.all([
      this.depth(this.signQueue),
      this.depth(this.webhookQueue),
      // BullMQ counts its workers with CLIENT LIST, which managed Redis services may refuse.
      this.signQueue.getWorkersCount().catch(() => null),
      this.recentJobs(RECENT_PER_STATE),
      this.profiles(),
      // The console stays useful while the store is away; the log's own endpoints report that fault.
      this.audit.latestCheckpointSummary().catch(() => undefined),
      readSignerHealth(this.redis, this.settings.prefix, now),
    ]);
    const batchIds = [...new Set(recent.flatMap((row) => (row.batchId ? [row.batchId] : [])))].slice(0, RECENT_BATCHES);
    const batches = (await Promise.all(batchIds.map((id) => this.batchRow(id)))).filter((row) => row !== undefined);
    return {
      generatedAt: new Date(now).toISOString(),
      queues: { sign, webhook },
      signers,
      throughput: throughputOf(recent, now, THROUGHPUT_WINDOW_MS),
      profiles,
      signerHealth,
      checkpoint: checkpoint ?? null,
      recentJobs: recent.slice(0, RECENT_JOBS),
      batches,
    };
  }

  /** Finds jobs by id (`job_…`), a batch and its failed items (`batch_…`), or jobs of an image SHA-256. */
  async search(query: string): Promise<ConsoleSearchResult> {
    const q = query.trim();
    if (q.startsWith('batch_')) {
      const batch = await this.batchRow(q);
      const failed = batch ? await this.batches.itemsInState(q, 'failed', 0, RECENT_JOBS) : [];
      const jobs = await this.rowsOf(failed.map((item) => batchItemJobId(q, item.index)));
      return { query: q, kind: 'batch', jobs, ...(batch ? { batch } : {}) };
    }
    if (/^[0-9a-fA-F]{64}$/.test(q)) {
      const digest = q.toLowerCase();
      const rows = await this.recentJobs(SEARCH_DEPTH);
      const jobs = rows.filter((row) => row.sourceSha256 === digest || row.imageSha256 === digest);
      return { query: q, kind: 'sha256', jobs };
    }
    return { query: q, kind: 'job', jobs: await this.rowsOf([q]) };
  }

  private async depth(queue: FleetSignQueue<QueueName.Sign> | FleetSignQueue<QueueName.Webhook>): Promise<QueueDepth> {
    const counts = await queue.getJobCounts(...DEPTH_STATES);
    return Object.fromEntries(DEPTH_STATES.map((state) => [state, counts[state] ?? 0])) as QueueDepth;
  }

  /** Up to `perState` jobs of each listed state, newest first across states. */
  private async recentJobs(perState: number): Promise<ConsoleJobRow[]> {
    const lists = await Promise.all(
      LISTED_STATES.map(async (state) => {
        const jobs = await this.signQueue.getJobs([state], 0, perState - 1, false);
        return jobs.filter((job) => job !== undefined && job !== null).map((job) => consoleJobRow(job, state));
      }),
    );
    const latest = (row: ConsoleJobRow) => Date.parse(row.finishedAt ?? row.createdAt);
    return lists.flat().sort((a, b) => latest(b) - latest(a));
  }

  private async rowsOf(ids: readonly string[]): Promise<ConsoleJobRow[]> {
    const rows = await Promise.all(
      ids.map(async (id) => {
        const job = id ? await this.signQueue.getJob(id) : undefined;
        if (!job) return undefined;
        return consoleJobRow(job, (await job.getState()) as JobState | 'unknown');
      }),
    );
    return rows.filter((row) => row !== undefined);
  }

  private async batchRow(batchId: string): Promise<ConsoleBatchRow | undefined> {
    const record = await this.batches.record(batchId);
    return record ? consoleBatchRow(record, await this.batches.activeCount(batchId)) : undefined;
  }

  private profiles(): Promise<ConsoleProfileRow[]> {
    return Promise.all(
      this.fleet.profiles.map(async (profile) => {
        const published = await readProfileKeys(this.redis, this.settings.prefix, profile.name).catch(() => undefined);
        return {
          name: profile.name,
          scheme: profile.scheme,
          state: profile.state,
          ...(profile.allowedChips ? { allowedChips: [...profile.allowedChips] } : {}),
          ...(published
            ? {
                published: {
                  at: published.publishedAt,
                  keys: published.keys.map((key) => ({ index: key.index, algorithm: key.algorithm, keyDigestSha256: key.keyDigestSha256 })),
                },
              }
            : {}),
        };
      }),
    );
  }
}
