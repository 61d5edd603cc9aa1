import { openApiSchema } from './openapi';
import { WebhookEventType, signCompletedDataSchema, webhookEventSchema } from './webhook-events';

const completedData = {
  id: 'job_1',
  state: 'succeeded',
  profile: 'rsa3072',
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  attempts: 1,
  result: {
    imageSha256: 'a'.repeat(64),
    signedSha256: 'b'.repeat(64),
    signedKey: 'signed/acme/job_1.bin',
    signedSize: 8192,
    scheme: 'sbv2-rsa3072',
    blocks: [{ index: 0, algorithm: 'rsa3072', keyDigest: 'c'.repeat(64) }],
    timings: { fetchMs: 1, signMs: 2, storeMs: 3, totalMs: 6 },
    log: { index: 0, leafHash: 'd'.repeat(64) },
  },
};

describe('webhook event schemas', () => {
  it('accept a versioned sign.completed event and tell the types apart', () => {
    const event = webhookEventSchema.parse({
      id: 'evt_job_1',
      type: 'sign.completed',
      version: 1,
      timestamp: '2026-01-01T00:00:01.000Z',
      data: completedData,
    });
    expect(event.type).toBe(WebhookEventType.SignCompleted);
    expect(event.data).toEqual(completedData);
  });

  it('keep internal fields out of the data: unknown fields are dropped, a missing result or error refused', () => {
    const parsed = signCompletedDataSchema.parse({
      ...completedData,
      tenant: 'acme',
      result: { ...completedData.result, signedDataLength: 4096 },
    });
    expect(parsed).not.toHaveProperty('tenant');
    expect(parsed.result).not.toHaveProperty('signedDataLength');
    expect(signCompletedDataSchema.safeParse({ ...completedData, result: undefined }).success).toBe(false);
    const failed = { ...completedData, state: 'failed', result: undefined };
    expect(webhookEventSchema.safeParse({ id: 'e', type: 'sign.failed', version: 1, timestamp: 't', data: failed }).success).toBe(false);
  });

  it('refuse an event of another version or type', () => {
    const event = { id: 'e', type: 'sign.completed', version: 2, timestamp: 't', data: completedData };
    expect(webhookEventSchema.safeParse(event).success).toBe(false);
    expect(webhookEventSchema.safeParse({ ...event, version: 1, type: 'sign.done' }).success).toBe(false);
  });

  it('have an OpenAPI 3.0 form (for the documentation of receivers)', () => {
    const schema = openApiSchema(webhookEventSchema) as { oneOf?: unknown[]; anyOf?: unknown[] };
    // One alternative per event type FleetSign sends.
    expect((schema.oneOf ?? schema.anyOf)?.length).toBe(Object.values(WebhookEventType).length);
  });
});
