import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FleetSignConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError, isFleetSignError, isTransientError } from '@fleetsign/errors';
import {
  BATCH_PENDING_TTL_SECONDS,
  BatchStore,
  type BatchIntakeRecord,
  type FleetSignQueue,
  QueueName,
  RELEASE_JOB_PRIORITY,
  SIGN_QUEUE_RETENTION,
  batchItemJobId,
  batchManifestKey,
  signJobApprovalOf,
} from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';
import { LogLayout } from '@fleetsign/tlog';
import type { KeepJobs } from 'bullmq';
import type { Redis } from 'ioredis';
import { ApprovalsService } from '../approvals/approvals.service';
import { batchOfIntake } from '../batches/batch-intake';
import { BatchItemEnqueuer } from '../batches/batch-item-enqueuer';
import { BatchesService } from '../batches/batches.service';
import { GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, REDIS, SIGN_QUEUE } from '../core/gateway.tokens';
import { IntakeStore } from '../intake/intake-store';
import type { GatewaySignJobData } from '../jobs/jobs.service';
import { ReconcileLease } from './reconcile-lease';
import { MAX_REPORTED_PROBLEMS, type ReconcileReport, emptyReport } from './reconcile-report';

/** Store reads in flight at once when checking items against the log. */
const LOG_CHECK_CONCURRENCY = 16;
/** Items whose jobs are looked up at once when a batch record survived. */
const ITEM_CHECK_CHUNK = 500;
/** A progress line every this many intake records. */
const PROGRESS_EVERY = 100;

/** Marker key: present while Redis holds the state the gateway wrote; a Redis that lost it lacks it. */
export function stateMarkerKey(prefix: string): string {
  return `${prefix}:state-marker`;
}

function keptSeconds(keep: KeepJobs): number | undefined {
  return 'age' in keep && typeof keep.age === 'number' ? keep.age : undefined;
}

function ageSeconds(iso: string, now: Date): number {
  const at = Date.parse(iso);
  return Number.isFinite(at) ? (now.getTime() - at) / 1000 : Number.POSITIVE_INFINITY;
}

/**
 * Re-creates job and batch state in Redis from the intake records in the object store,
 * after Redis lost it (failover, wipe): a batch without a record gets its record, item
 * list and item jobs back (same job ids); a single job missing from the sign queue is
 * added again with its accepted data. Items and jobs the transparency log already holds
 * are re-added too: the signer finds their log entry and answers from it without a new
 * signature, then batch completion, manifest and webhook happen as usual. Only what is
 * missing is added, so a second run changes nothing. One replica at a time (a Redis lease).
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger('Reconcile');
  private readonly layout: LogLayout;
  private readonly lease: ReconcileLease;

  constructor(
    @Inject(FLEET_CONFIG) fleet: FleetSignConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SIGN_QUEUE) private readonly signQueue: FleetSignQueue<QueueName.Sign>,
    private readonly settings: GatewaySettings,
    private readonly intake: IntakeStore,
    private readonly batches: BatchStore,
    private readonly batchesService: BatchesService,
    private readonly enqueuer: BatchItemEnqueuer,
    private readonly approvals: ApprovalsService,
  ) {
    this.layout = new LogLayout(fleet.transparencyLog?.storePrefix ?? 'log/');
    this.lease = new ReconcileLease(redis, `${settings.prefix}:reconcile:lease`);
  }

  /** True when Redis still holds the marker a finished reconcile (or the first start) wrote. */
  async stateIntact(): Promise<boolean> {
    return (await this.redis.exists(stateMarkerKey(this.settings.prefix))) === 1;
  }

  /** Runs one reconcile holding the lease; RECONCILE_RUNNING when another replica runs one. */
  async run(): Promise<ReconcileReport> {
    const held = await this.lease.hold(() => this.reconcile());
    if (!held.ran) throw new FleetSignError(ErrorCode.ReconcileRunning, 'A reconcile is running on another gateway; retry when it has finished');
    return held.value;
  }

  private async reconcile(): Promise<ReconcileReport> {
    const now = new Date();
    const report = emptyReport(now);
    this.logger.log('reconcile started: comparing intake records with Redis and the transparency log');
    let seen = 0;
    const { intake } = this.settings;
    for await (const key of this.store.list(intake.batchesPrefix)) {
      const id = intake.idOf(key, intake.batchesPrefix);
      if (!id) continue;
      await this.guard(report, key, () => this.reconcileBatch(key, id, now, report));
      if (++seen % PROGRESS_EVERY === 0) this.logger.log(`reconcile progress: ${JSON.stringify({ batches: report.batches, items: report.items })}`);
    }
    for await (const key of this.store.list(intake.jobsPrefix)) {
      const id = intake.idOf(key, intake.jobsPrefix);
      if (!id) continue;
      await this.guard(report, key, () => this.reconcileJob(key, id, now, report));
      if (++seen % PROGRESS_EVERY === 0) this.logger.log(`reconcile progress: ${JSON.stringify({ jobs: report.jobs })}`);
    }
    // A record that cannot be read stays unreadable: it is reported, and the marker is written
    // anyway so the automatic check does not read every record again every 30 s. An outage of
    // Redis or the store throws before this line, and the next check runs it again.
    await this.redis.set(stateMarkerKey(this.settings.prefix), report.startedAt);
    report.finishedAt = new Date().toISOString();
    this.logger.log(`reconcile finished: ${JSON.stringify({ batches: report.batches, items: report.items, jobs: report.jobs, problems: report.problems.length })}`);
    return report;
  }

  /** One record's reconcile; a record that fails is reported and the run goes on (an outage of Redis or the store fails the run). */
  private async guard(report: ReconcileReport, key: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      // A record that cannot be read or used; anything transient (Redis, the store) fails the run.
      const unusable = err instanceof TypeError || err instanceof SyntaxError || (isFleetSignError(err) && !isTransientError(err));
      if (!unusable) throw err;
      if (report.problems.length < MAX_REPORTED_PROBLEMS) report.problems.push({ key, reason: err.message });
      this.logger.warn(`intake record ${key} skipped: ${err.message}`);
    }
  }

  /** The batch's intake record; a record naming another id than its key is refused. */
  private async readBatch(key: string, id: string): Promise<BatchIntakeRecord | undefined> {
    const record = await this.intake.read(key);
    if (record && (record.kind !== 'batch' || record.batchId !== id)) throw new TypeError(`intake record ${key} is not the record of batch ${id}`);
    return record;
  }

  private async reconcileBatch(key: string, id: string, now: Date, report: ReconcileReport): Promise<void> {
    report.batches.seen++;
    const existing = await this.batches.record(id);
    if (existing?.state === 'completed') {
      report.batches.intact++;
      return;
    }
    const lost = existing && existing.enqueued >= existing.total ? await this.lostItemJobs(id, existing.total) : [];
    if (existing && existing.enqueued >= existing.total && lost.length === 0) {
      report.batches.intact++;
      return;
    }
    const intake = await this.readBatch(key, id);
    if (!intake) return;
    const { record, items } = batchOfIntake(intake);
    if (existing && lost.length > 0) {
      // Redis kept the record but not every item job (e.g. the last second before a crash).
      await this.enqueuer.readd(existing, items, lost);
      report.batches.resumed++;
      report.items.enqueued += lost.length;
      report.items.logged += await this.countLogged(lost.map((index) => batchItemJobId(id, index)));
      this.logger.log(`batch ${id}: ${lost.length} item jobs added again`);
      return;
    }
    if (existing) {
      await this.batchesService.enqueueRest(id, items, existing.enqueued, true);
      report.batches.resumed++;
      report.items.enqueued += items.length - existing.enqueued;
      return;
    }
    if (ageSeconds(intake.createdAt, now) > BATCH_PENDING_TTL_SECONDS) {
      report.batches.expired++;
      return;
    }
    if (await this.store.exists(batchManifestKey(intake.tenant, id))) {
      report.batches.completedBefore++;
      return;
    }
    const logged = await this.countLogged(items.map((_, index) => batchItemJobId(id, index)));
    const created = await this.batches.create(id, record);
    await this.batchesService.enqueueRest(id, items, created.created ? 0 : created.enqueued, !created.created);
    report.batches.restored++;
    report.items.enqueued += items.length;
    report.items.logged += logged;
    this.logger.log(`batch ${id} re-created from its intake record: ${items.length} items, ${logged} already in the log`);
  }

  private async reconcileJob(key: string, id: string, now: Date, report: ReconcileReport): Promise<void> {
    report.jobs.seen++;
    if (await this.signQueue.getJob(id)) {
      report.jobs.intact++;
      return;
    }
    const intake = await this.intake.read(key);
    if (!intake) return;
    if (intake.kind !== 'job' || intake.jobId !== id) throw new TypeError(`intake record ${key} is not the record of job ${id}`);
    const age = ageSeconds(intake.data.requestedAt, now);
    const logged = (await this.countLogged([id])) === 1;
    // Redis keeps a finished job only so long: re-adding an older one would only repeat its webhook.
    const kept = keptSeconds(logged ? SIGN_QUEUE_RETENTION.completed : SIGN_QUEUE_RETENTION.failed);
    if (kept !== undefined && age > kept) {
      report.jobs.expired++;
      return;
    }
    const data: GatewaySignJobData = { ...intake.data, requestHash: intake.requestHash };
    const rule = this.approvals.ruleOf(data.profile);
    const approval = rule ? await this.approvals.find(id) : undefined;
    if (rule && !approval?.finalised) {
      // Dual control survives a Redis loss: a job whose approval Redis lost is held again (its
      // approvers decide again); one still held is only re-announced. Nothing is signed unapproved.
      if (approval) await this.approvals.announce(id);
      else await this.approvals.holdJob(id, { ...data, requestHash: intake.requestHash }, rule);
      report.jobs.restored++;
      this.logger.log(`sign job ${id} held for approval again from its intake record`);
      return;
    }
    await this.signQueue.add(QueueName.Sign, approval ? { ...data, approval: signJobApprovalOf(approval) } : data, {
      jobId: id,
      priority: RELEASE_JOB_PRIORITY,
    });
    report.jobs.restored++;
    if (logged) report.jobs.logged++;
    this.logger.log(`sign job ${id} re-created from its intake record${logged ? ' (already in the log)' : ''}`);
  }

  /** Indexes of items without an outcome whose sign job Redis no longer has, a chunk of job reads at a time. */
  private async lostItemJobs(batchId: string, total: number): Promise<number[]> {
    const lost: number[] = [];
    for (let start = 0; start < total; start += ITEM_CHECK_CHUNK) {
      const open = (await this.batches.itemsFrom(batchId, start, ITEM_CHECK_CHUNK)).filter((item) => !item.outcome);
      const jobs = await Promise.all(open.map((item) => this.signQueue.getJob(batchItemJobId(batchId, item.index))));
      open.forEach((item, i) => {
        if (!jobs[i]) lost.push(item.index);
      });
    }
    return lost;
  }

  /** How many of these jobs the transparency log holds (their pointer objects), a bounded number of reads at a time. */
  private async countLogged(jobIds: readonly string[]): Promise<number> {
    let logged = 0;
    for (let from = 0; from < jobIds.length; from += LOG_CHECK_CONCURRENCY) {
      const found = await Promise.all(
        jobIds.slice(from, from + LOG_CHECK_CONCURRENCY).map((jobId) => this.store.exists(this.layout.jobKey(jobId))),
      );
      logged += found.filter(Boolean).length;
    }
    return logged;
  }
}
