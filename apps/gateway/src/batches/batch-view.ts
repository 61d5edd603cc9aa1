import type { StoredItem, BatchRecord } from '@fleetsign/queue';
import type {
  ApiBatchState,
  ApprovalView,
  BatchCountsView,
  BatchItemView,
  BatchView,
  WebhookDeliveryView,
} from '@fleetsign/api';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

// The batch and item views' shapes are @fleetsign/api's; this builds them from the batch state.

/** Counts from the record (final items) and the active set; items not final nor active are queued. */
export function batchCounts(
  record: Pick<BatchRecord, 'total' | 'succeeded' | 'failed'>,
  activeCount: number,
): BatchCountsView {
  const final = record.succeeded + record.failed;
  const active = Math.max(0, Math.min(activeCount, record.total - final));
  return {
    queued: Math.max(0, record.total - final - active),
    active,
    succeeded: record.succeeded,
    failed: record.failed,
  };
}

/** Completed once the manifest is written; running once any item started or finished. */
export function batchState(record: Pick<BatchRecord, 'state'>, counts: BatchCountsView): ApiBatchState {
  if (record.state === 'completed') return 'completed';
  return counts.active + counts.succeeded + counts.failed > 0 ? 'running' : 'queued';
}

/** Everything a batch view is built from. */
export interface BatchViewInput {
  record: BatchRecord;
  activeCount: number;
  selfUrl: string;
  manifestDownloadUrl?: string;
  webhook?: WebhookDeliveryView;
  approval?: ApprovalView;
}

/** Builds the API's view of a batch. */
export function buildBatchView(input: BatchViewInput): BatchView {
  const { record } = input;
  const counts = batchCounts(record, input.activeCount);
  const state = input.approval?.state === 'pending' ? 'awaiting_approval' : batchState(record, counts);
  const view: BatchView = {
    id: record.batchId,
    state,
    profile: record.profile,
    ...(record.requester ? { requester: record.requester } : {}),
    ...(record.requesterIssuer ? { requesterIssuer: record.requesterIssuer } : {}),
    total: record.total,
    counts,
    progress: record.total === 0 ? 0 : (counts.succeeded + counts.failed) / record.total,
    createdAt: record.createdAt,
    links: { self: input.selfUrl, items: `${input.selfUrl}/items` },
  };
  if (state === 'completed' && record.finishedAt) view.finishedAt = record.finishedAt;
  if (record.metadata) view.metadata = record.metadata;
  if (state === 'completed' && record.manifestKey && input.manifestDownloadUrl) {
    view.manifest = { key: record.manifestKey, downloadUrl: input.manifestDownloadUrl };
  }
  if (input.webhook) view.webhook = input.webhook;
  if (input.approval) view.approval = input.approval;
  return view;
}

/** The view of one item; `downloadUrl` is given for succeeded items. */
export function buildItemView(item: StoredItem, jobId: string, downloadUrl?: string): BatchItemView {
  const view: BatchItemView = {
    index: item.index,
    name: item.name,
    sourceKey: item.sourceKey,
    jobId,
    state: item.outcome?.state ?? (item.active ? 'active' : 'queued'),
  };
  const outcome = item.outcome;
  if (outcome?.state === 'succeeded') {
    view.signedKey = outcome.signedKey;
    if (downloadUrl) view.downloadUrl = downloadUrl;
    view.imageSha256 = outcome.imageSha256;
    view.signedSha256 = outcome.signedSha256;
    if (outcome.reused) view.reused = true;
    if (outcome.policy) view.policy = outcome.policy;
  } else if (outcome?.state === 'failed') {
    view.error = { code: outcome.error.code, message: outcome.error.message };
  }
  return view;
}

const CURSOR = /^i([0-9]{1,9})$/;

/** The opaque cursor of a page starting at item `index`. */
export function encodeItemsCursor(index: number): string {
  return Buffer.from(`i${index}`, 'utf8').toString('base64url');
}

/** The item index a cursor points at; 400 VALIDATION_FAILED for a cursor this API did not hand out. */
export function decodeItemsCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^[A-Za-z0-9_-]{1,16}$/.test(cursor)
    ? CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  if (!match) {
    throw new FleetSignError(ErrorCode.ValidationFailed, 'Invalid cursor: pass nextCursor from the previous page',
      {
        errors: [{ path: 'cursor', message: 'not a cursor this API returned' }],
      },
    );
  }
  return Number(match[1]);
}
