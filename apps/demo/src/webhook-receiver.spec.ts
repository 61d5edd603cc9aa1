import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookReceiver } from './webhook-receiver';

describe('WebhookReceiver', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let receiver: WebhookReceiver;
  beforeEach(async () => (receiver = await WebhookReceiver.start(secret)));
  afterEach(() => receiver.close());

  function post(body: string, signWith: string, id = 'evt_job_1'): Promise<Response> {
    const timestamp = new Date();
    const signature = new Webhook(signWith).sign(id, timestamp, body);
    return fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
  }

  const event = {
    id: 'evt_job_1',
    type: 'sign.failed',
    version: 1,
    timestamp: new Date().toISOString(),
    data: {
      id: 'job_1',
      state: 'failed',
      profile: 'p',
      createdAt: new Date().toISOString(),
      attempts: 1,
      error: { code: 'INVALID_IMAGE', message: 'not an ESP image' },
    },
  };

  it('accepts a correctly signed event and hands it to the waiter for its job', async () => {
    const waiting = receiver.eventFor('job_1');
    const response = await post(JSON.stringify(event), secret);
    expect(response.status).toBe(204);
    await expect(waiting).resolves.toMatchObject({ webhookId: 'evt_job_1', event });
  });

  it('refuses an event signed with another secret and records why', async () => {
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const response = await post(JSON.stringify(event), other);
    expect(response.status).toBe(400);
    expect(receiver.rejections).toHaveLength(1);
  });

  it('refuses a body changed after signing', async () => {
    const timestamp = new Date();
    const signed = JSON.stringify(event);
    const response = await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'webhook-id': 'evt_job_1',
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('evt_job_1', timestamp, signed),
      },
      body: signed.replace('INVALID_IMAGE', 'INTERNAL'),
    });
    expect(response.status).toBe(400);
  });

  it('refuses a correctly signed body that is not a documented FleetSign event', async () => {
    const response = await post(JSON.stringify({ ...event, data: { ...event.data, id: undefined, jobId: 'job_1' } }), secret);
    expect(response.status).toBe(400);
    expect(receiver.rejections.at(-1)).toMatch(/id/);
  });
});
