import { DevStackError } from './devstack-error';
import { pollUntil } from './poll';

describe('pollUntil', () => {
  it('returns the first value that is not undefined, after probes that were not ready or threw', async () => {
    const answers: Array<() => number | undefined> = [
      () => undefined,
      () => {
        throw new Error('connection refused');
      },
      () => 42,
    ];
    let calls = 0;
    const value = await pollUntil(async () => answers[calls++](), {
      timeoutMs: 10_000,
      intervalMs: 1,
      description: 'x',
    });
    expect(value).toBe(42);
    expect(calls).toBe(3);
  });

  it('gives up with a DevStackError naming what it waited for and the last problem', async () => {
    const failure = pollUntil(
      async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:1');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'the gateway /readyz' },
    );
    await expect(failure).rejects.toThrow(DevStackError);
    await expect(failure).rejects.toThrow(
      /waiting for the gateway \/readyz \(last problem: ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
  });

  it('stops with the abort reason when its signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const polling = pollUntil(
      async () => {
        if (++calls === 2) controller.abort(new Error('interrupted'));
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1, description: 'never', signal: controller.signal },
    );
    await expect(polling).rejects.toThrow('interrupted');
    expect(calls).toBe(2);
  });
});
