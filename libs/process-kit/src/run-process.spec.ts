import { Writable } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createProcessLogger } from './process-logger';
import { type ProcessHost, runProcess, startupFailureLine } from './run-process';

/** A host that records what runProcess does instead of touching the real process. */
function recordingHost(env: NodeJS.ProcessEnv = {}) {
  const listeners = new Map<string, (signal: NodeJS.Signals) => void>();
  const record = { errors: [] as string[], exits: [] as number[] };
  const host: ProcessHost = {
    env,
    onSignal: (signal, listener) => listeners.set(signal, listener),
    writeError: (line) => record.errors.push(line),
    exit: (code) => record.exits.push(code),
  };
  const signal = (name: NodeJS.Signals) => listeners.get(name)?.(name);
  return { host, record, signal, listeners };
}

function silentLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: createProcessLogger({ name: 'test', redact: [] }, stream), lines };
}

describe('startupFailureLine', () => {
  it('is one line with the code for FleetSign errors and no stack for others', () => {
    const config = new FleetSignError(
      ErrorCode.InvalidConfig,
      'FLEETSIGN_GATEWAY_PORT: must be at most 65535',
    );
    expect(startupFailureLine('fleetsign-gateway', config)).toBe(
      'fleetsign-gateway: INVALID_CONFIG: FLEETSIGN_GATEWAY_PORT: must be at most 65535\n',
    );
    const other = new Error('connect ECONNREFUSED 127.0.0.1:1\n    at somewhere');
    expect(startupFailureLine('fleetsign-signer', other)).toBe(
      'fleetsign-signer: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });
});

describe('runProcess', () => {
  it('prints one line and exits 1 when start-up fails, installing no signal handler', async () => {
    const { host, record, listeners } = recordingHost();
    await runProcess(
      {
        name: 'fleetsign-test',
        start: async () => {
          throw new FleetSignError(ErrorCode.InvalidConfig, 'REDIS_URL: not a redis:// URL');
        },
      },
      host,
    );
    expect(record).toEqual({
      errors: ['fleetsign-test: INVALID_CONFIG: REDIS_URL: not a redis:// URL\n'],
      exits: [1],
    });
    expect(listeners.size).toBe(0);
  });

  it('passes the environment to start-up, closes on the first signal and exits 0', async () => {
    const { host, record, signal } = recordingHost({ FLEETSIGN_X: 'y' });
    const { logger, lines } = silentLogger();
    let closed = 0;
    let seenEnv: NodeJS.ProcessEnv | undefined;
    await runProcess(
      {
        name: 'fleetsign-test',
        start: async (env) => {
          seenEnv = env;
          return {
            logger,
            running: { close: async () => void closed++ },
            stopping: 'stopping: finishing running work',
          };
        },
      },
      host,
    );
    expect(seenEnv).toEqual({ FLEETSIGN_X: 'y' });
    signal('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(1);
    expect(record.exits).toEqual([0]);
    expect(lines.some((line) => JSON.parse(line).msg === 'stopping: finishing running work')).toBe(true);
  });

  it('exits 1 at once on a second signal, and 1 when closing fails', async () => {
    const { host, record, signal } = recordingHost();
    const { logger } = silentLogger();
    let fail: (err: Error) => void = () => undefined;
    await runProcess(
      {
        name: 'fleetsign-test',
        start: async () => ({
          logger,
          running: { close: () => new Promise<void>((_resolve, reject) => (fail = reject)) },
        }),
      },
      host,
    );
    signal('SIGINT');
    signal('SIGTERM');
    expect(record.exits).toEqual([1]);
    fail(new Error('queue close failed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(record.exits).toEqual([1, 1]);
  });
});
