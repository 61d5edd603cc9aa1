/** Environment variable names through which the global setup hands services to tests. */
export const TEST_ENV = {
  tmpRoot: 'FLEETSIGN_TEST_TMP',
  redisUrl: 'FLEETSIGN_TEST_REDIS_URL',
  s3Endpoint: 'FLEETSIGN_TEST_S3_ENDPOINT',
  s3Bucket: 'FLEETSIGN_TEST_S3_BUCKET',
  s3AccessKeyId: 'FLEETSIGN_TEST_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'FLEETSIGN_TEST_S3_SECRET_ACCESS_KEY',
  pkcs11Module: 'FLEETSIGN_TEST_PKCS11_MODULE',
  tokenLabel: 'FLEETSIGN_TEST_TOKEN_LABEL',
  tokenPin: 'FLEETSIGN_TEST_TOKEN_PIN',
  tokenSlot: 'FLEETSIGN_TEST_TOKEN_SLOT',
} as const;

/** Key labels (and CKA_IDs) present on the shared test token. */
export const TEST_TOKEN_KEYS = {
  rsa3072: { label: 'fw-rsa-3072', id: '01' },
  rsa3072b: { label: 'fw-rsa-3072-b', id: '02' },
  p192: { label: 'fw-ec-p192', id: '03' },
  p256: { label: 'fw-ec-p256', id: '04' },
  p256b: { label: 'fw-ec-p256-b', id: '05' },
  p384: { label: 'fw-ec-p384', id: '06' },
} as const;

/** Reads a variable the global setup must have set; a clear error when a spec runs outside it. */
export function requireTestEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run this spec through the integration Jest project`);
  return value;
}
