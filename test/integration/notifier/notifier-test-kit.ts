import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TenantConfig } from '@fleetsign/config';
import {
  createQueue,
  createRedisConnection,
  type FleetSignJob,
  type FleetSignQueue,
  QueueName,
  type WebhookJobData,
  WebhookEventType,
} from '@fleetsign/queue';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { type Notifier, type NotifierOptions, startNotifier } from '../../../apps/notifier/src';
import { requireTestEnv } from '../../support/test-env';

// Helpers for the notifier integration specs: a webhook receiver on 127.0.0.1, a producer
// side that adds webhook jobs like the signer does, and bounded polling of job state.

/** One request a receiver got. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Decides the answer to the `index`-th request (0-based); may leave `response` open to simulate a hang. */
export type ReceiverReply = (request: ReceivedRequest, index: number, response: ServerResponse) => void;

/** A webhook receiver on 127.0.0.1 that records what it gets. */
export interface Receiver {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  requests: ReceivedRequest[];
  /** TCP connections accepted, whether or not a request followed. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a receiver on an ephemeral loopback port. */
export async function startReceiver(reply: ReceiverReply): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      reply(received, requests.length - 1, res);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with `status`. */
export const replyWith =
  (status: number): ReceiverReply =>
  (_request, _index, response) =>
    response.writeHead(status).end();

/** The Standard Webhooks headers of a received request, as the verifier takes them. */
export function webhookHeaders(request: ReceivedRequest): Record<string, string> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  };
  return {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  };
}

/** A fresh `whsec_` secret of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** A queue prefix no other spec file uses. */
export function uniquePrefix(name: string): string {
  return `{fst-${name}-${randomBytes(4).toString('hex')}}`;
}

/** A silent logger for notifiers under test. */
export const quietLogger = () => pino({ level: 'silent' });

/** Retry schedule of test jobs: many attempts allowed by the job, quick backoff (50, 100, 200 ms...). */
export const TEST_JOB_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 50 } } as const;

/** The producer side of the webhook queue, as the signer uses it. */
export class WebhookProducer {
  readonly connection: Redis;
  readonly queue: FleetSignQueue<QueueName.Webhook>;

  constructor(readonly prefix: string) {
    this.connection = createRedisConnection(requireTestEnv('redisUrl'), 'producer');
    this.queue = createQueue(QueueName.Webhook, this.connection, prefix);
  }

  /** Adds a job.succeeded-style event for `tenant` to `url`; the job id is the event id. */
  async addEvent(tenant: string, url: string): Promise<WebhookJobData> {
    const jobId = `job_${randomUUID().replace(/-/g, '')}`;
    const event: WebhookJobData = {
      eventId: `evt_${jobId}`,
      tenant,
      url,
      type: WebhookEventType.SignCompleted,
      payload: { jobId, tenant, state: 'completed', profile: 'fw-test', result: { signedObject: `signed/${tenant}/${jobId}.bin` } },
      jobId,
    };
    await this.queue.add(QueueName.Webhook, event, { jobId: event.eventId, ...TEST_JOB_RETRY });
    return event;
  }

  /** Polls until the job is completed or failed (bounded), and returns it. */
  async finished(eventId: string, timeoutMs = 30_000): Promise<FleetSignJob<QueueName.Webhook>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // State first, then the job: a job read before its final move would show stale counters.
      const state = await this.queue.getJobState(eventId);
      const job = state === 'completed' || state === 'failed' ? await this.queue.getJob(eventId) : undefined;
      if (job) return job;
      if (Date.now() > deadline) throw new Error(`event ${eventId} still ${state} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Removes the queue's keys and closes the connection. */
  async close(): Promise<void> {
    await this.queue.obliterate({ force: true });
    await this.queue.close();
    await this.connection.quit();
  }
}

/** A tenant whose webhook secret is read from environment variable `envName`; `index` is its place in the config's tenant list. */
export function envSecretTenant(name: string, envName: string, index: number): TenantConfig {
  return {
    name,
    webhookSecret: { source: 'env', name: envName, origin: 'test', setting: `tenants[${index}].webhook_secret_env` },
  };
}

/** A silent notifier on a queue prefix of its own, and the producer side of that queue. */
export interface NotifierUnderTest {
  notifier: Notifier;
  producer: WebhookProducer;
}

/** Starts a notifier on the shared Redis with a fresh prefix named after `name`; `options` give the rest. */
export async function startNotifierUnderTest(
  name: string,
  options: Omit<NotifierOptions, 'redis' | 'logger'>,
): Promise<NotifierUnderTest> {
  const prefix = uniquePrefix(name);
  const producer = new WebhookProducer(prefix);
  try {
    const notifier = await startNotifier({
      ...options,
      redis: { url: requireTestEnv('redisUrl'), prefix },
      logger: quietLogger(),
    });
    return { notifier, producer };
  } catch (err) {
    await producer.close();
    throw err;
  }
}

/** The `{code, message}` a failed job's reason holds. */
export function failureReason(job: FleetSignJob<QueueName.Webhook>): { code: string; message: string } {
  return JSON.parse(job.failedReason) as { code: string; message: string };
}
