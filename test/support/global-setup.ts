import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from './redis-server';
import { startS3Server } from './s3-server';
import { createSoftHsmToken } from './softhsm';
import { TEST_ENV } from './test-env';

type Stop = () => Promise<void>;
const stops: Stop[] = [];
(globalThis as { __fleetsignStops?: Stop[] }).__fleetsignStops = stops;

/**
 * Starts the real services integration tests need, once per Jest run, and hands
 * their coordinates to the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  // The AWS SDK warns about Node 20's end of support in every worker; it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const root = mkdtempSync(join(tmpdir(), 'fleetsign-it-'));
  process.env[TEST_ENV.tmpRoot] = root;

  const redis = await startRedis({ dir: join(root, 'redis') });
  stops.push(redis.stop);
  process.env[TEST_ENV.redisUrl] = redis.url;

  const s3 = await startS3Server({ dir: join(root, 's3') });
  stops.push(s3.stop);
  process.env[TEST_ENV.s3Endpoint] = s3.endpoint;
  process.env[TEST_ENV.s3Bucket] = s3.bucket;
  process.env[TEST_ENV.s3AccessKeyId] = s3.accessKeyId;
  process.env[TEST_ENV.s3SecretAccessKey] = s3.secretAccessKey;

  const token = await createSoftHsmToken({ dir: join(root, 'softhsm') });
  process.env.SOFTHSM2_CONF = token.confPath;
  process.env[TEST_ENV.pkcs11Module] = token.modulePath;
  process.env[TEST_ENV.tokenLabel] = token.tokenLabel;
  process.env[TEST_ENV.tokenPin] = token.pin;
  process.env[TEST_ENV.tokenSlot] = String(token.slotId);
}
