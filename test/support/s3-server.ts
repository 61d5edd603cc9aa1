import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
// A relative path, not the alias: Jest's moduleNameMapper does not apply to the global setup, which loads this file.
import { hasExited, killOnExit, readLogTail, stopChildProcess } from '../../libs/devstack/src';
import type { S3StorageConfig } from '@fleetsign/storage';
import { dockerEngineAnswers } from './docker-probe';
import { requireTestEnv, TEST_ENV } from './test-env';

/** Bucket the harness creates for the tests. */
export const TEST_BUCKET = 'fleetsign-test';
/** Region reported to clients (s3rver ignores it; MinIO defaults to it). */
export const TEST_REGION = 'us-east-1';
/** Environment variable that names the region of an externally provided S3. */
export const S3_REGION_ENV = 'FLEETSIGN_TEST_S3_REGION';
/** MinIO image used when only a Docker engine is available. */
export const MINIO_IMAGE = 'minio/minio:RELEASE.2025-09-07T16-13-09Z';

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
// s3rver accepts any signature; these are its documented defaults.
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** An S3-compatible endpoint with one bucket, for the integration tests. */
export interface S3ServerHandle {
  kind: 'external' | 'process' | 'container';
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
}

/**
 * Runs inside the child (`node --openssl-legacy-provider -e`): starts s3rver on a
 * loopback port chosen by the OS, reports the port over IPC, and exits as soon as
 * the parent goes away (the IPC channel closes even if the parent was SIGKILLed).
 */
const S3RVER_RUNNER = `
const [s3rverPath, directory, bucket] = process.argv.slice(1);
const S3rver = require(s3rverPath);
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.run().then(
  (address) => process.send({ port: address.port }),
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exit(1); },
);
`;

/**
 * The object store settings of the S3 server the global setup started, for specs that
 * open a store on it themselves (path-style addressing, as s3rver and MinIO need).
 */
export function testS3StorageConfig(): S3StorageConfig {
  return {
    driver: 's3',
    endpoint: requireTestEnv('s3Endpoint'),
    region: process.env[S3_REGION_ENV] || TEST_REGION,
    bucket: requireTestEnv('s3Bucket'),
    accessKeyId: requireTestEnv('s3AccessKeyId'),
    secretAccessKey: requireTestEnv('s3SecretAccessKey'),
    forcePathStyle: true,
  };
}

/** Creates `bucket` at `endpoint` unless it exists; the SDK is loaded only on the paths that need it. */
async function createBucketIfMissing(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  bucket: string,
): Promise<void> {
  const { CreateBucketCommand, HeadBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

async function externalS3(endpoint: string): Promise<S3ServerHandle> {
  const accessKeyId = process.env[TEST_ENV.s3AccessKeyId];
  const secretAccessKey = process.env[TEST_ENV.s3SecretAccessKey];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `${TEST_ENV.s3Endpoint} is set: also set ${TEST_ENV.s3AccessKeyId} and ${TEST_ENV.s3SecretAccessKey}`,
    );
  }
  const bucket = process.env[TEST_ENV.s3Bucket] || TEST_BUCKET;
  const region = process.env[S3_REGION_ENV] || TEST_REGION;
  await createBucketIfMissing(endpoint, region, { accessKeyId, secretAccessKey }, bucket);
  return {
    kind: 'external',
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    region,
    stop: async () => undefined,
  };
}

function resolveS3rver(): string | undefined {
  try {
    return require.resolve('s3rver');
  } catch {
    return undefined;
  }
}

/** Waits for the runner's `{ port }` message; undefined when it dies or the deadline passes. */
async function waitForPort(child: ChildProcess): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), READY_TIMEOUT_MS);
    function finish(port: number | undefined): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(port);
    }
    function onMessage(message: unknown): void {
      const port = (message as { port?: unknown } | null)?.port;
      if (typeof port === 'number') finish(port);
    }
    function onExit(): void {
      finish(undefined);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (hasExited(child)) finish(undefined);
  });
}

async function processS3(dir: string): Promise<S3ServerHandle | undefined> {
  const s3rverPath = resolveS3rver();
  if (!s3rverPath) return undefined;
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const logPath = join(dir, 's3rver.log');
  const log = openSync(logPath, 'a');
  // Without the legacy provider, ListObjectsV2 pagination fails: s3rver encrypts its
  // continuation tokens with a cipher OpenSSL 3 refuses by default.
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', S3RVER_RUNNER, s3rverPath, dataDir, TEST_BUCKET],
    {
      stdio: ['ignore', log, log, 'ipc'],
    },
  );
  closeSync(log);
  killOnExit(child);
  const port = await waitForPort(child);
  if (port === undefined) {
    await stopChildProcess(child, { signal: 'SIGKILL' });
    throw new Error(`s3rver did not start. Log tail:\n${await readLogTail(logPath)}`);
  }
  // The harness must never keep the test runner alive; the exit hook and IPC close still end the child.
  child.unref();
  child.channel?.unref();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    kind: 'process',
    endpoint,
    bucket: TEST_BUCKET,
    region: TEST_REGION,
    ...S3RVER_CREDENTIALS,
    stop: async () => {
      await stopChildProcess(child, { signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });
      if (child.connected) child.disconnect();
      // The global setup exported this endpoint; forget it so a re-run in the same
      // process (jest --watch) starts a new server instead of taking it as external.
      if (process.env[TEST_ENV.s3Endpoint] === endpoint) {
        for (const name of ['s3Endpoint', 's3Bucket', 's3AccessKeyId', 's3SecretAccessKey'] as const) {
          delete process.env[TEST_ENV[name]];
        }
      }
    },
  };
}

async function containerS3(): Promise<S3ServerHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const credentials = { accessKeyId: 'fleetsign', secretAccessKey: 'fleetsign-test-secret' };
  const container = await new GenericContainer(MINIO_IMAGE)
    .withEnvironment({
      MINIO_ROOT_USER: credentials.accessKeyId,
      MINIO_ROOT_PASSWORD: credentials.secretAccessKey,
    })
    .withCommand(['server', '/data'])
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
    .start();
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(9000)}`;
  await createBucketIfMissing(endpoint, TEST_REGION, credentials, TEST_BUCKET);
  return {
    kind: 'container',
    endpoint,
    bucket: TEST_BUCKET,
    region: TEST_REGION,
    ...credentials,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * An S3-compatible server for the integration tests: the endpoint in
 * FLEETSIGN_TEST_S3_ENDPOINT when set beforehand (e.g. a real MinIO; the bucket is
 * created if missing); else s3rver as a child process storing under `dir`; else MinIO
 * through testcontainers when a Docker engine answers.
 */
export async function startS3Server({ dir }: { dir: string }): Promise<S3ServerHandle> {
  const external = process.env[TEST_ENV.s3Endpoint];
  if (external) return externalS3(external);
  const local = await processS3(dir);
  if (local) return local;
  if (await dockerEngineAnswers()) return containerS3();
  throw new Error(
    'No S3 server for the integration tests: s3rver is not installed (npm ci), no Docker engine answers, and FLEETSIGN_TEST_S3_ENDPOINT is not set.',
  );
}
