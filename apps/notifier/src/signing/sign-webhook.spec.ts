import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signWebhook } from './sign-webhook';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('signWebhook', () => {
  it('matches the Standard Webhooks reference vector', () => {
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is the base64 HMAC-SHA256 of "id.timestamp.body" under the decoded secret', () => {
    const key = randomBytes(32);
    const body = JSON.stringify({ id: 'evt_job_1', type: 'job.succeeded', data: { ü: 'ß' } });
    const expected = createHmac('sha256', key).update(`evt_job_1.1700000000.${body}`, 'utf8').digest('base64');
    expect(signWebhook(`whsec_${key.toString('base64')}`, 'evt_job_1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('is accepted by the standardwebhooks verifier', () => {
    const secret = newSecret();
    const body = JSON.stringify({ id: 'evt_job_2', type: 'job.failed', data: { jobId: 'job_2' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt_job_2',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, 'evt_job_2', timestamp, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow('No matching signature');
    expect(() => new Webhook(secret).verify(body.replace('job_2', 'job_3'), headers)).toThrow('No matching signature');
  });

  it('signs once per secret, space-separated, each verifiable on its own (rotation)', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const body = '{"id":"evt_x"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook([current, previous], 'evt_x', timestamp, body);
    const parts = signature.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(signWebhook(current, 'evt_x', timestamp, body));
    expect(parts[1]).toBe(signWebhook(previous, 'evt_x', timestamp, body));
    const headers = { 'webhook-id': 'evt_x', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
  });

  it('refuses fractional or negative timestamps and an empty secret list', () => {
    expect(() => signWebhook(newSecret(), 'evt', 1.5, '{}')).toThrow(RangeError);
    expect(() => signWebhook(newSecret(), 'evt', -1, '{}')).toThrow(RangeError);
    expect(() => signWebhook([], 'evt', 1, '{}')).toThrow(RangeError);
  });
});
