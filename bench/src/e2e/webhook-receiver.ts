import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nowMs } from '../core/measure';

/** One webhook event as received. */
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

/** An HTTP endpoint on 127.0.0.1 that records FleetSign webhook events by job id. */
export interface WebhookReceiver {
  url: string;
  /** Final event of each job (or batch), first delivery wins (deliveries are at least once). */
  readonly events: ReadonlyMap<string, ReceivedEvent>;
  /** Resolves once every job in `jobIds` has an event; rejects after `timeoutMs` saying how many are missing. */
  waitForJobs(jobIds: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

interface EventBody {
  id?: string;
  type?: string;
  data?: { jobId?: string; batchId?: string; state?: string; error?: { code?: string } } & Record<
    string,
    unknown
  >;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the receiver. It answers 204 to every event and does not verify signatures
 * (the notifier's own tests do): the benchmark only needs the time each job finished.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const events = new Map<string, ReceivedEvent>();
  const listeners = new Set<() => void>();
  const server = createServer((request, response) => {
    const receivedAt = nowMs();
    readBody(request).then(
      (text) => {
        const body = JSON.parse(text) as EventBody;
        const jobId = body.data?.jobId ?? body.data?.batchId;
        if (jobId && !events.has(jobId)) {
          events.set(jobId, {
            eventId: body.id ?? '',
            type: body.type ?? '',
            jobId,
            state: body.data?.state ?? '',
            receivedAt,
            errorCode: body.data?.error?.code,
            data: body.data ?? {},
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
              `${missing()} of ${jobIds.length} jobs sent no webhook within ${Math.round(timeoutMs / 1000)} s`,
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
    waitForJobs,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
