import { z } from 'zod';

// Operator routes: POST /v1/admin/reconcile (re-creates state a lost Redis held).

const count = z.number().int();

/** What one reconcile run found and did; the answer of POST /v1/admin/reconcile. */
export const reconcileReportSchema = z.object({
  startedAt: z.string(),
  finishedAt: z.string(),
  batches: z.object({
    seen: count.describe('Intake records read'),
    intact: count.describe('State in Redis, nothing to do'),
    resumed: count.describe('State in Redis, but item jobs missing (an enqueue cut short, or jobs Redis lost): added again'),
    restored: count.describe('No state in Redis: record, items and item jobs re-created'),
    completedBefore: count.describe('No state in Redis but a manifest in the store: completed before the loss, left as is'),
    expired: count.describe('Accepted longer ago than Redis keeps a batch: left alone'),
  }),
  items: z.object({
    enqueued: count.describe('Item jobs added again'),
    logged: count.describe('Of those, items the transparency log already holds (answered from the log, no new signature)'),
  }),
  jobs: z.object({
    seen: count,
    intact: count,
    restored: count.describe('Sign jobs added again (or held again for approval)'),
    logged: count.describe('Of those, jobs the transparency log already holds (no new signature)'),
    expired: count.describe('Accepted longer ago than Redis keeps a job in that state: left alone'),
  }),
  problems: z.array(z.object({ key: z.string(), reason: z.string() })).describe('Intake records that could not be read or acted on'),
});
export type ReconcileReport = z.output<typeof reconcileReportSchema>;
