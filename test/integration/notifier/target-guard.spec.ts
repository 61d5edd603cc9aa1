import { Webhook } from 'standardwebhooks';
import { type Notifier, systemLookup } from '../../../apps/notifier/src';
import {
  envSecretTenant,
  failureReason,
  newWebhookSecret,
  type Receiver,
  replyWith,
  startNotifierUnderTest,
  startReceiver,
  type WebhookProducer,
  webhookHeaders,
} from './notifier-test-kit';

// The SSRF guard of a notifier whose allow-list names no network: a live receiver on
// loopback must never see a connection, unless reached through an allow-listed host
// name, and then only at the address that was vetted.

const ALLOWED_HOST = 'receiver.fleetsign.test';
const secret = newWebhookSecret();
const tenants = [envSecretTenant('acme', 'ACME_WHSEC', 0)];

describe('notifier target guard without a network allow-list', () => {
  let producer: WebhookProducer;
  let notifier: Notifier;
  /** A live receiver on loopback that refused events must never reach. */
  let target: Receiver;
  const looked: string[] = [];

  beforeAll(async () => {
    target = await startReceiver(replyWith(204));
    ({ producer, notifier } = await startNotifierUnderTest('notifier-guard', {
      notifier: { timeoutMs: 2_000, attempts: 3, allowPrivateTargets: { cidrs: [], hosts: [ALLOWED_HOST] } },
      tenants,
      env: { ACME_WHSEC: secret },
      // The allow-listed name exists only here (.test never resolves in real DNS); the rest goes to the system resolver.
      lookup: async (host) => {
        looked.push(host);
        return host === ALLOWED_HOST ? [{ address: '127.0.0.1', family: 4 }] : systemLookup(host);
      },
    }));
  });

  afterAll(async () => {
    await notifier?.close();
    await producer?.close();
    await target?.close();
  });

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/hook`],
    ['[::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`],
    ['localhost', (port: number) => `http://localhost:${port}/hook`],
  ])('refuses a loopback URL (%s) without connecting or retrying', async (_name, url) => {
    const event = await producer.addEvent('acme', url(target.port));
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(failureReason(job).code).toBe('WEBHOOK_TARGET_REFUSED');
    expect(target.connections()).toBe(0);
    expect(target.requests).toHaveLength(0);
  });

  it('delivers to an allow-listed host name at the address it resolved to', async () => {
    const allowed = await startReceiver(replyWith(204));
    try {
      const event = await producer.addEvent('acme', `http://${ALLOWED_HOST}:${allowed.port}/hook`);
      const job = await producer.finished(event.eventId);

      expect(await job.getState()).toBe('completed');
      expect(looked).toContain(ALLOWED_HOST);
      expect(allowed.requests).toHaveLength(1);
      const [request] = allowed.requests;
      // The Host header keeps the name while the connection went to the pinned 127.0.0.1.
      expect(request.headers.host).toBe(`${ALLOWED_HOST}:${allowed.port}`);
      expect(new Webhook(secret).verify(request.body, webhookHeaders(request))).toMatchObject({ id: event.eventId });
    } finally {
      await allowed.close();
    }
  });
});
