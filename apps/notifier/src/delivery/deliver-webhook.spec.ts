import { WEBHOOK_EVENT_VERSION } from '@fleetsign/api';
import { ErrorCode } from '@fleetsign/errors';
import { WebhookEventType } from '@fleetsign/queue';
import { failureForStatus } from './deliver-webhook';
import { webhookEventBody } from './webhook-event';

const url = new URL('https://hooks.example.com/in?token=t0k3n');

describe('failureForStatus', () => {
  it.each([[200], [201], [202], [204], [299]])('%i is delivered', (status) => {
    expect(failureForStatus(status, url)).toBeUndefined();
  });

  it('410 Gone is permanent: the receiver asked to stop', () => {
    expect(failureForStatus(410, url)).toMatchObject({
      code: ErrorCode.WebhookDeliveryFailed,
      outcome: 'gone',
      permanent: true,
      statusCode: 410,
    });
  });

  it.each([[400], [401], [404], [408], [429], [500], [502], [503], [504]])('%i is retried', (status) => {
    expect(failureForStatus(status, url)).toMatchObject({ outcome: 'http_error', permanent: false, statusCode: status });
  });

  it.each([[301], [302], [307], [308]])('redirect %i is not followed but retried', (status) => {
    const failure = failureForStatus(status, url);
    expect(failure).toMatchObject({ permanent: false, statusCode: status });
    expect(failure?.message).toContain('redirects are not followed');
  });

  it('names the origin, never the path or query', () => {
    const failure = failureForStatus(503, url);
    expect(failure?.message).toContain('https://hooks.example.com');
    expect(failure?.message).not.toContain('t0k3n');
    expect(JSON.parse(failure?.reason ?? '')).toEqual({ code: 'WEBHOOK_DELIVERY_FAILED', message: failure?.message });
  });
});

describe('webhookEventBody', () => {
  it('is {id, type, version, timestamp, data} with the event time, the same for every attempt', () => {
    const event = {
      eventId: 'evt_job_1',
      tenant: 'acme',
      url: 'https://hooks.example.com/',
      type: WebhookEventType.SignCompleted,
      payload: { jobId: 'job_1', tenant: 'acme', state: 'completed', profile: 'fw' },
      jobId: 'job_1',
    };
    const at = new Date('2025-01-02T03:04:05.678Z');
    const body = webhookEventBody(event, at);
    expect(JSON.parse(body)).toEqual({
      id: 'evt_job_1',
      type: event.type,
      version: WEBHOOK_EVENT_VERSION,
      timestamp: '2025-01-02T03:04:05.678Z',
      data: event.payload,
    });
    expect(webhookEventBody(event, at)).toBe(body);
  });
});
