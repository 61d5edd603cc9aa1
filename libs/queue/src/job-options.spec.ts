import {
  DEFAULT_JOB_OPTIONS,
  QUEUE_RETENTION,
  SIGN_JOB_ATTEMPTS,
  SIGN_QUEUE_RETENTION,
  WEBHOOK_QUEUE_RETENTION,
} from './job-options';
import { QUEUE_NAMES, QueueName } from './queue-name';
import { SIGN_RETRY_BACKOFF } from './retry-policy';

describe('default job options', () => {
  it.each(QUEUE_NAMES)('%s retries with exponential backoff and bounded retention', (name) => {
    const opts = DEFAULT_JOB_OPTIONS[name];
    expect(opts.attempts).toBeGreaterThan(1);
    // Sign jobs double their delay up to a cap, until the worker's retry horizon is spent.
    const type = name === QueueName.Sign ? SIGN_RETRY_BACKOFF : 'exponential';
    expect(opts.backoff).toEqual({ type, delay: expect.any(Number) });
    // Retention must be bounded both by age and by count, never "keep forever".
    for (const keep of [opts.removeOnComplete, opts.removeOnFail]) {
      expect(keep).toEqual({ age: expect.any(Number), count: expect.any(Number) });
    }
    expect(opts.removeOnComplete).toBe(QUEUE_RETENTION[name].completed);
    expect(opts.removeOnFail).toBe(QUEUE_RETENTION[name].failed);
  });

  it('uses the named per-queue constants', () => {
    expect(DEFAULT_JOB_OPTIONS[QueueName.Sign].attempts).toBe(SIGN_JOB_ATTEMPTS);
    expect(DEFAULT_JOB_OPTIONS[QueueName.Sign].removeOnComplete).toBe(SIGN_QUEUE_RETENTION.completed);
    expect(DEFAULT_JOB_OPTIONS[QueueName.Webhook].removeOnFail).toBe(WEBHOOK_QUEUE_RETENTION.failed);
  });
});
