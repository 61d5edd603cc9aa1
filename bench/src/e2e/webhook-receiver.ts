import { type WebhookEvent, WebhookEventType, webhookEventSchema } from '@fleetsign/api';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { nowMs } from '../core/measure';

/** One webhook event as received (its signature verified). */
export interface ReceivedEvent {
  eventId: string;
  type: string;
  /** The job's id, or for an event about a whole batch the batch's id. */
  jobId: string;
  /** `data.state`: 'succeeded' or 'failed' for a job, 'completed' for a batch. */
  state: string;
  /** nowMs() when the request arrived. */
  receivedAt: number;
  errorCode?: string;
  /** The event's whole `data` object (e.g. a batch event's counts and manifest key). */
  data: Record<string, unknown>;
}

/** An HTTP endpoint on 127.0.0.1 that records FleetSign webhook events by job (or batch) id. */
export interface WebhookReceiver {
  url: string;
  /** Final event of each job (or batch), first delivery wins (deliveries are at least once). */
  readonly events: ReadonlyMap<string, ReceivedEvent>;
  /** Deliveries refused because their Standard Webhooks signature did not verify. */
  readonly rejected: number;
  /** Resolves once every id in `jobIds` has an event; rejects after `timeoutMs` saying how many are missing. */
  waitForJobs(jobIds: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Largest webhook body read. */
const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('webhook body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * Starts the receiver. Each delivery is verified with the `standardwebhooks` package
 * against the tenant's secret (signature and timestamp), as a customer's endpoint
 * would: good ones are recorded and answered 204, the rest 400 (and counted).
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const events = new Map<string, ReceivedEvent>();
  const listeners = new Set<() => void>();
  let rejected = 0;
  const server = createServer((request, response) => {
    const receivedAt = nowMs();
    readBody(request).then(
      (text) => {
        let body: WebhookEvent;
        try {
          const payload: unknown = verifier.verify(text, {
            'webhook-id': header(request, 'webhook-id'),
            'webhook-timestamp': header(request, 'webhook-timestamp'),
            'webhook-signature': header(request, 'webhook-signature'),
          });
          // A body that is not the documented event counts as refused, like a bad signature.
          body = webhookEventSchema.parse(payload);
        } catch {
          rejected++;
          response.writeHead(400).end();
          return;
        }
        const jobId =
          body.type === WebhookEventType.BatchCompleted
            ? body.data.batchId
            : body.type === WebhookEventType.SignAwaitingApproval
              ? (body.data.jobId ?? body.data.batchId ?? '')
              : body.data.id;
        if (!events.has(jobId)) {
          events.set(jobId, {
            eventId: body.id,
            type: body.type,
            jobId,
            state: body.data.state,
            receivedAt,
            errorCode: body.type === WebhookEventType.SignFailed ? body.data.error.code : undefined,
            data: body.data,
          });
          for (const listener of listeners) listener();
        }
        response.writeHead(204).end();
      },
      () => response.writeHead(400).end(),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const waitForJobs = (jobIds: readonly string[], timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const missing = () => jobIds.filter((id) => !events.has(id)).length;
      let remaining = missing();
      if (remaining === 0) return resolve();
      const check = () => {
        // Recount only when enough events may have arrived; keeps the check cheap for large runs.
        if (--remaining > 0) return;
        remaining = missing();
        if (remaining === 0) done(undefined);
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `${missing()} of ${jobIds.length} jobs sent no webhook within ${Math.round(timeoutMs / 1000)} s` +
                (rejected > 0 ? ` (${rejected} deliveries failed signature verification)` : ''),
            ),
          ),
        timeoutMs,
      );
      const done = (err: Error | undefined) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      listeners.add(check);
    });

  return {
    url: `http://127.0.0.1:${port}/hooks/fleetsign`,
    events,
    get rejected() {
      return rejected;
    },
    waitForJobs,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
