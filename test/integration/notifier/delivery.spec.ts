import { WEBHOOK_EVENT_VERSION } from '@fleetsign/api';
import { promtoolProblems } from '../../support/promtool';
import type { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Notifier } from '../../../apps/notifier/src';
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

// Delivery through a real Redis queue to a receiver on 127.0.0.1 (allow-listed), with
// signatures checked by the standardwebhooks verifier exactly as a customer would.

const CONFIG_ATTEMPTS = 3;
const TIMEOUT_MS = 500;

const secrets = {
  acme: newWebhookSecret(),
  rotatingNew: newWebhookSecret(),
  rotatingOld: newWebhookSecret(),
};
const env = {
  ACME_WHSEC: secrets.acme,
  ROTATING_WHSEC: `${secrets.rotatingNew}\n${secrets.rotatingOld}\n`,
};
const tenants = [envSecretTenant('acme', 'ACME_WHSEC', 0), envSecretTenant('rotating', 'ROTATING_WHSEC', 1)];

/** Refused attempts counted, and those of them that were timed (sent a request). */
async function refusedCounts(notifier: Notifier): Promise<{ attempts: number; sent: number }> {
  const attempts = (await notifier.metrics.attempts.get()).values.find((v) => v.labels.outcome === 'refused');
  const sent = (await notifier.metrics.latency.get()).values.find(
    (v) => v.labels.outcome === 'refused' && v.metricName?.endsWith('_count'),
  );
  return { attempts: attempts?.value ?? 0, sent: sent?.value ?? 0 };
}

describe('notifier delivery', () => {
  let producer: WebhookProducer;
  let notifier: Notifier;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const started = await startReceiver(...args);
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    ({ producer, notifier } = await startNotifierUnderTest('notifier-delivery', {
      notifier: { timeoutMs: TIMEOUT_MS, attempts: CONFIG_ATTEMPTS, allowPrivateTargets: { cidrs: ['127.0.0.1/32'], hosts: [] } },
      tenants,
      env,
      concurrency: 4,
      metrics: { port: 0, host: '127.0.0.1' },
      version: '9.8.7',
      lookup: async (host) => {
        if (host === 'inside.fleetsign.test') return [{ address: '10.0.0.1', family: 4 }];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    }));
  });

  afterAll(async () => {
    await notifier?.close();
    await producer?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('delivers a signed event that the standardwebhooks verifier accepts', async () => {
    const target = await receiver(replyWith(204));
    const event = await producer.addEvent('acme', `${target.origin}/hooks/fleetsign?key=abc`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue.statusCode).toBe(204);
    expect(job.attemptsMade).toBe(1);
    expect(target.requests).toHaveLength(1);
    const [request] = target.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/fleetsign?key=abc');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('FleetSign-Webhooks/9.8.7');
    expect(request.headers['webhook-id']).toBe(event.eventId);
    expect(request.headers['webhook-timestamp']).toMatch(/^\d+$/);

    const verified = new Webhook(secrets.acme).verify(request.body, webhookHeaders(request));
    expect(verified).toEqual({
      id: event.eventId,
      type: event.type,
      version: WEBHOOK_EVENT_VERSION,
      timestamp: new Date(job.timestamp).toISOString(),
      data: event.payload,
    });
    expect(() => new Webhook(newWebhookSecret()).verify(request.body, webhookHeaders(request))).toThrow();
  });

  it('retries a receiver that fails twice and delivers the same event on the third attempt', async () => {
    const target = await receiver((_request, index, response) => response.writeHead(index < 2 ? 503 : 200).end('ok'));
    const event = await producer.addEvent('acme', `${target.origin}/flaky`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    expect(job.returnvalue.statusCode).toBe(200);
    expect(target.requests).toHaveLength(3);
    expect(new Set(target.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.eventId]));
    expect(new Set(target.requests.map((r) => r.body)).size).toBe(1);
    for (const request of target.requests) {
      expect(() => new Webhook(secrets.acme).verify(request.body, webhookHeaders(request))).not.toThrow();
    }
  });

  it('stops after the configured attempts although the job would allow more', async () => {
    const target = await receiver(replyWith(500));
    const event = await producer.addEvent('acme', `${target.origin}/down`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('failed');
    expect(job.opts.attempts).toBeGreaterThan(CONFIG_ATTEMPTS);
    expect(job.attemptsMade).toBe(CONFIG_ATTEMPTS);
    expect(target.requests).toHaveLength(CONFIG_ATTEMPTS);
    const reason = failureReason(job);
    expect(reason.code).toBe('WEBHOOK_DELIVERY_FAILED');
    expect(reason.message).toContain('HTTP 500');
  });

  it('does not retry after 410 Gone', async () => {
    const target = await receiver(replyWith(410));
    const event = await producer.addEvent('acme', `${target.origin}/gone`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(target.requests).toHaveLength(1);
    const reason = failureReason(job);
    expect(reason.code).toBe('WEBHOOK_DELIVERY_FAILED');
    expect(reason.message).toContain('410');
  });

  it('retries an attempt that gets no answer within the timeout', async () => {
    const hung: ServerResponse[] = [];
    const target = await receiver((_request, index, response) => {
      if (index === 0) hung.push(response);
      else response.writeHead(204).end();
    });
    const event = await producer.addEvent('acme', `${target.origin}/slow`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(2);
    expect(target.requests).toHaveLength(2);
    expect(hung).toHaveLength(1);
    expect(hung[0].headersSent).toBe(false);
    const [outcome] = (await notifier.metrics.attempts.get()).values.filter((v) => v.labels.outcome === 'timeout');
    expect(outcome?.value).toBeGreaterThanOrEqual(1);
  });

  it('refuses a private address before connecting, without retrying', async () => {
    const before = await refusedCounts(notifier);
    const event = await producer.addEvent('acme', 'http://10.0.0.1/hook');
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(failureReason(job)).toEqual({ code: 'WEBHOOK_TARGET_REFUSED', message: expect.stringContaining('10.0.0.1') });
    // The latency histogram only times attempts that sent a request: none was sent.
    expect(await refusedCounts(notifier)).toEqual({ attempts: before.attempts + 1, sent: before.sent });
  });

  it('refuses a host name whose DNS answer is private, without retrying', async () => {
    const event = await producer.addEvent('acme', 'https://inside.fleetsign.test/hook');
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(failureReason(job)).toEqual({ code: 'WEBHOOK_TARGET_REFUSED', message: expect.stringContaining('10.0.0.1') });
  });

  it('signs with the current and the previous secret during a rotation; both verify', async () => {
    const target = await receiver(replyWith(200));
    const event = await producer.addEvent('rotating', `${target.origin}/rotating`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('completed');
    const [request] = target.requests;
    const signatures = webhookHeaders(request)['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))).toBe(true);
    for (const secret of [secrets.rotatingNew, secrets.rotatingOld]) {
      expect(new Webhook(secret).verify(request.body, webhookHeaders(request))).toMatchObject({ id: event.eventId });
    }
    expect(() => new Webhook(secrets.acme).verify(request.body, webhookHeaders(request))).toThrow();
  });

  it('retries, then fails with INVALID_CONFIG, an event of a tenant without a secret', async () => {
    const target = await receiver(replyWith(204));
    const event = await producer.addEvent('unconfigured', `${target.origin}/nobody`);
    const job = await producer.finished(event.eventId);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(CONFIG_ATTEMPTS);
    expect(failureReason(job).code).toBe('INVALID_CONFIG');
    expect(target.requests).toHaveLength(0);
  });

  it('exposes delivery metrics and health on its listener', async () => {
    const target = await receiver(replyWith(202));
    const event = await producer.addEvent('acme', `${target.origin}/metrics`);
    expect(await (await producer.finished(event.eventId)).getState()).toBe('completed');

    expect(notifier.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await (await fetch(`${notifier.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/fleetsign_webhook_delivery_attempts_total\{outcome="delivered",service="notifier"\} [1-9]/);
    expect(metrics).toMatch(/fleetsign_webhook_events_finished_total\{state="delivered",service="notifier"\} [1-9]/);
    expect(metrics).toContain('fleetsign_webhook_delivery_duration_seconds_bucket');
    expect(metrics).toMatch(/^process_cpu_user_seconds_total\{service="notifier"\} /m);
    expect(promtoolProblems(metrics)).toEqual([]);
    const health = await fetch(`${notifier.metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${notifier.metricsUrl}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { process: 'ok', redis: 'ok' } });
    expect(ready.status).toBe(200);
  });
});
