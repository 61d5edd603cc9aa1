import { type WebhookEvent, WebhookEventType, webhookEventSchema } from '@fleetsign/api';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** Largest webhook body the receiver reads. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A sign.completed or sign.failed event. */
export type SignEvent = Extract<WebhookEvent, { type: WebhookEventType.SignCompleted | WebhookEventType.SignFailed }>;

/** An event whose Standard Webhooks signature verified. */
export interface VerifiedEvent {
  event: WebhookEvent;
  /** The webhook-id header (the stable event id). */
  webhookId: string;
  receivedAt: number;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.destroy();
        reject(new Error('body too large'));
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * A customer's webhook endpoint on 127.0.0.1: verifies each delivery with the
 * `standardwebhooks` package (signature and timestamp) exactly as a receiver would,
 * answers 204 to good ones and 400 to the rest (the notifier then retries).
 */
export class WebhookReceiver {
  private readonly verifier: Webhook;
  private readonly verified: VerifiedEvent[] = [];
  private readonly waiters = new Set<() => void>();
  /** Why deliveries were refused, newest last. */
  readonly rejections: string[] = [];

  private readonly server: Server;
  private listeningUrl: string | undefined;

  private constructor(
    secret: string,
    private readonly path: string,
  ) {
    this.verifier = new Webhook(secret);
    this.server = createServer((request, response) => {
      void this.handle(request).then((status) => response.writeHead(status).end());
    });
  }

  /** Starts listening on a free loopback port; `path` is the webhook URL's path. */
  static async start(secret: string, path = '/fleetsign/events'): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret, path);
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = receiver.server.address() as AddressInfo;
    receiver.listeningUrl = `http://127.0.0.1:${port}${path}`;
    return receiver;
  }

  /** The URL to give FleetSign as the job's webhook. */
  get url(): string {
    if (!this.listeningUrl) throw new Error('the webhook receiver is not listening');
    return this.listeningUrl;
  }

  private async handle(request: IncomingMessage): Promise<number> {
    if (request.method !== 'POST' || request.url !== this.path) return 404;
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch {
      return 413;
    }
    try {
      const payload: unknown = this.verifier.verify(body, {
        'webhook-id': header(request, 'webhook-id'),
        'webhook-timestamp': header(request, 'webhook-timestamp'),
        'webhook-signature': header(request, 'webhook-signature'),
      });
      // The documented event body (@fleetsign/api), as a receiver checks it.
      const event = webhookEventSchema.parse(payload);
      this.verified.push({ event, webhookId: header(request, 'webhook-id'), receivedAt: Date.now() });
      for (const wake of this.waiters) wake();
      return 204;
    } catch (err) {
      this.rejections.push(err instanceof Error ? err.message : String(err));
      return 400;
    }
  }

  /** The first verified sign.* event about job `jobId`, once it arrives. Unbounded: race it with a timeout. */
  eventFor(jobId: string): Promise<VerifiedEvent & { event: SignEvent }> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.verified.find(
          (v): v is VerifiedEvent & { event: SignEvent } =>
            (v.event.type === WebhookEventType.SignCompleted || v.event.type === WebhookEventType.SignFailed) && v.event.data.id === jobId,
        );
        if (!found) return;
        this.waiters.delete(check);
        resolve(found);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
