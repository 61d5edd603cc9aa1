import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { findFreePort, pollUntil, readLogTail, type ServiceProcess } from '@fleetsign/devstack';
import { buildEspImage } from '@fleetsign/secure-boot';
import { type Receiver, replyWith, startReceiver } from '../integration/notifier/notifier-test-kit';
import { type CollectedSpan, type OtlpCollector, startOtlpCollector } from '../support/otlp-collector';
import { E2eStack } from './support/e2e-stack';
import { startService, waitForLogMessage } from './support/node-service';
import type { SigningClient } from './support/signing-client';

// Gateway, signer and notifier run as their built processes with tracing configured the
// standard way (OTEL_EXPORTER_OTLP_ENDPOINT) against a local OTLP/HTTP collector. One
// signing request with a webhook must come out as one trace (request -> enqueue -> sign
// job -> its steps; sign job -> webhook delivery) and its X-Request-Id must reach the
// signer's and notifier's log lines and the webhook request.

const ESP32_C6 = 13;
const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const REQUEST_ID = 'ci-build-4711.trace-e2e';

const stack = E2eStack.create('tracing', 's3', [{ name: 'release-p256', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }]);
let collector: OtlpCollector;
let receiver: Receiver;
let gateway: ServiceProcess;
let signer: ServiceProcess;
let notifier: ServiceProcess;
let client: SigningClient;

function logLines(service: ServiceProcess): Array<Record<string, unknown>> {
  return readFileSync(service.spec.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  collector = await startOtlpCollector();
  receiver = await startReceiver(replyWith(204));
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const common = {
    ...stack.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    FLEETSIGN_LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.origin,
    // Spans leave each process within 50 ms instead of the default 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
  gateway = await startService('gateway', { ...common, FLEETSIGN_GATEWAY_HOST: '127.0.0.1', FLEETSIGN_GATEWAY_PORT: String(port) }, stack.config.dir, {
    readyUrl: `${url}/healthz`,
  });
  await gateway.waitReady(30_000).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}\n${await readLogTail(gateway.spec.logPath)}`);
  });
  signer = await startService('signer', { ...common, SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '' }, stack.config.dir);
  notifier = await startService('notifier', common, stack.config.dir);
  await waitForLogMessage(signer, 'signer started', 30_000);
  await waitForLogMessage(notifier, 'notifier started', 30_000);
  stack.useGatewayAt(url);
  client = stack.client();
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), signer?.stop(), notifier?.stop()]);
  await receiver?.close();
  await collector?.close();
  await stack.close();
});

/** The spans of the trace that holds the gateway's span for request `requestId`, once all `names` arrived. */
function traceOf(requestId: string, names: string[]): Promise<CollectedSpan[]> {
  return pollUntil(
    async () => {
      const root = collector.spans.find((span) => span.kind === SPAN_KIND.server && span.attributes['fleetsign.request_id'] === requestId);
      if (!root) return undefined;
      const trace = collector.spans.filter((span) => span.traceId === root.traceId);
      return names.every((name) => trace.some((span) => span.name === name)) ? trace : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50, description: `the trace of request ${requestId} with spans ${names.join(', ')}` },
  );
}

function only(spans: CollectedSpan[], name: string): CollectedSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${JSON.stringify(spans.map((s) => s.name))}`);
  return found[0];
}

describe('request ids and traces across gateway, signer and notifier processes', () => {
  it('makes one trace of a signing request and carries its request id into every process and the webhook', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 30_000, seed: 11 });
    const { key } = await client.upload(image);
    const submitted = await client.api('/v1/jobs', {
      method: 'POST',
      headers: { 'x-request-id': REQUEST_ID },
      json: { profile: 'release-p256', source: { key }, webhook: { url: `${receiver.origin}/hooks/trace` } },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('x-request-id')).toBe(REQUEST_ID);
    const { id } = (await submitted.json()) as { id: string };
    await client.waitForSuccess(id);

    // The webhook delivery names the request that caused it.
    const delivered = await pollUntil(async () => receiver.requests.find((request) => request.url === '/hooks/trace'), {
      timeoutMs: 15_000,
      intervalMs: 20,
      description: 'the webhook at the receiver',
    });
    expect(delivered.headers['x-request-id']).toBe(REQUEST_ID);
    expect(stack.verifyWebhook(delivered)).toMatchObject({ type: 'sign.completed' });

    const steps = ['sign.fetch', 'sign.validate', 'sign.sign', 'sign.verify', 'sign.store', 'sign.log'];
    const trace = await traceOf(REQUEST_ID, ['POST /v1/jobs', 'enqueue sign job', 'sign job', ...steps, 'webhook delivery']);
    const request = only(trace, 'POST /v1/jobs');
    const enqueue = only(trace, 'enqueue sign job');
    const job = only(trace, 'sign job');
    const delivery = only(trace, 'webhook delivery');
    expect(request).toMatchObject({ service: 'fleetsign-gateway', kind: SPAN_KIND.server, parentSpanId: '' });
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/jobs', 'http.response.status_code': 202 });
    expect(enqueue).toMatchObject({ service: 'fleetsign-gateway', kind: SPAN_KIND.producer, parentSpanId: request.spanId });
    expect(job).toMatchObject({ service: 'fleetsign-signer', kind: SPAN_KIND.consumer, parentSpanId: enqueue.spanId });
    expect(job.attributes['fleetsign.job_id']).toBe(id);
    for (const step of steps) {
      const spans = trace.filter((span) => span.name === step);
      expect(spans.length).toBeGreaterThan(0);
      for (const span of spans) expect(span).toMatchObject({ service: 'fleetsign-signer', parentSpanId: job.spanId, statusCode: 0 });
    }
    expect(delivery).toMatchObject({ service: 'fleetsign-notifier', kind: SPAN_KIND.client, parentSpanId: job.spanId, statusCode: 0 });
    expect(collector.refused).toEqual([]);

    // Each process logged the request id while working on it.
    expect(logLines(gateway)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, msg: 'request completed' }));
    expect(logLines(signer)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, jobId: id, msg: 'image signed' }));
    await waitForLogMessage(notifier, 'webhook delivered');
    expect(logLines(notifier)).toContainEqual(expect.objectContaining({ requestId: REQUEST_ID, msg: 'webhook delivered' }));
  });

  it('returns a fresh request id instead of an invalid one, on problem responses too', async () => {
    for (const given of ['x'.repeat(129), 'two words', '-leading-dash', '<script>']) {
      const res = await client.api('/v1/jobs/job_00000000000000000000000000000000', { headers: { 'x-request-id': given } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const returned = res.headers.get('x-request-id');
      expect(returned).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(returned).not.toBe(given);
    }
    const own = await client.api('/v1/jobs/job_00000000000000000000000000000000');
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const logged = JSON.stringify(logLines(gateway));
    expect(logged).not.toContain('<script>');
    expect(logged).not.toContain('two words');
  });

  it('logs a client that abandons an upload at info, not as an error', async () => {
    const requestId = 'abandoned-upload-1';
    const { hostname, port } = new URL(client.baseUrl);
    await new Promise<void>((resolve, reject) => {
      const upload = httpRequest({
        host: hostname,
        port: Number(port),
        method: 'PUT',
        path: '/v1/uploads/direct',
        headers: {
          authorization: `Bearer ${stack.config.token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(512 * 1024),
          'x-request-id': requestId,
        },
      });
      upload.on('error', () => resolve());
      upload.on('close', () => resolve());
      upload.on('response', () => reject(new Error('the gateway answered an upload whose body never arrived')));
      // Part of the body, then the client goes away.
      upload.write(Buffer.alloc(64 * 1024), () => setImmediate(() => upload.destroy()));
    });
    const aborted = await pollUntil(
      async () => logLines(gateway).find((line) => line.requestId === requestId && line.msg === 'client closed the request before the response'),
      { timeoutMs: 10_000, intervalMs: 50, description: 'the gateway to log the abandoned upload' },
    );
    expect(aborted.level).toBe(30);
    const forRequest = logLines(gateway).filter((line) => line.requestId === requestId);
    expect(forRequest.filter((line) => Number(line.level) >= 40)).toEqual([]);
  });
});
