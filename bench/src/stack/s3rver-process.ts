import { join } from 'node:path';
import {
  findFreePort,
  hasExited,
  pollUntil,
  readLogTail,
  spawnLogged,
  stopChildProcess,
} from '@fleetsign/devstack';

/** Credentials s3rver answers to (it checks no signatures; these are its documented defaults). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running s3rver. */
export interface S3rverProcess {
  /** Process id of the server, for CPU accounting. */
  pid?: number;
  endpoint: string;
  bucket: string;
  region: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver (the S3-compatible test server from devDependencies) as a child process
 * on 127.0.0.1 with bucket `bucket`, storing under `dir`, and resolves once it answers.
 * It runs with --openssl-legacy-provider: without it, paginated listings fail.
 */
export async function startS3rver(dir: string, bucket: string): Promise<S3rverProcess> {
  const bin = join(require.resolve('s3rver/package.json'), '..', 'bin', 's3rver.js');
  const port = await findFreePort();
  const logPath = join(dir, 's3rver.log');
  const args = [
    '--openssl-legacy-provider',
    bin,
    '-d',
    join(dir, 'data'),
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-s',
    '--configure-bucket',
    bucket,
  ];
  const child = await spawnLogged(process.execPath, args, { logPath });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(
      async () => {
        if (hasExited(child)) throw new Error(`s3rver exited (code ${child.exitCode ?? child.signalCode})`);
        const response = await fetch(`${endpoint}/${bucket}?max-keys=1`);
        return response.ok ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, description: `s3rver on ${endpoint}` },
    );
  } catch (err) {
    await stopChildProcess(child, { signal: 'SIGKILL' });
    throw new Error(
      `${(err as Error).message}; log: ${(await readLogTail(logPath, 5)).replace(/\n/g, ' | ')}`,
    );
  }
  return {
    pid: child.pid,
    endpoint,
    bucket,
    region: 'us-east-1',
    stop: () => stopChildProcess(child, { timeoutMs: 5_000 }).then(() => undefined),
  };
}
