import { constants, createHash, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type AwsKmsSignerOptions, createAwsKmsSigner } from '../../../libs/keys/src/aws-kms';
import { type FakeKms, type FakeKmsKeyName, startFakeKms } from '../../support/fake-kms-server';

let kms: FakeKms;

beforeAll(async () => {
  kms = await startFakeKms();
});
afterAll(async () => {
  await kms?.stop();
});

function options(name: FakeKmsKeyName, extra: Partial<AwsKmsSignerOptions> = {}): AwsKmsSignerOptions {
  return {
    keyId: kms.keys[name].keyId,
    region: kms.region,
    endpoint: kms.endpoint,
    credentials: kms.credentials,
    ...extra,
  };
}

/** The FleetSignError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<FleetSignError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof FleetSignError)) throw new Error(`expected a FleetSignError, got ${String(err)}`);
  return err;
}

const signCalls = () => kms.calls.filter((c) => c.target === 'TrentService.Sign');

describe.each([
  { name: 'rsa3072' as const, algorithm: 'rsa3072', hash: 'sha256', length: 384 },
  { name: 'p256' as const, algorithm: 'ecdsa-p256', hash: 'sha256', length: 64 },
  { name: 'p384' as const, algorithm: 'ecdsa-p384', hash: 'sha384', length: 96 },
])('a $name KMS key', ({ name, algorithm, hash, length }) => {
  it('signs digests through the AWS SDK into raw signatures that node:crypto verifies', async () => {
    const signer = await createAwsKmsSigner(options(name));
    try {
      expect(signer.algorithm).toBe(algorithm);
      expect(signer.publicKey.export({ type: 'spki', format: 'pem' })).toBe(kms.keys[name].publicKeyPem);
      expect(signer.description).toBe(`aws-kms:region=${kms.region};key=${kms.keys[name].keyId}`);
      // Several messages, so that ECDSA r or s with leading zero bytes are likely to occur.
      const messages = [
        Buffer.from('firmware image'),
        ...Array.from({ length: 15 }, () => randomBytes(1024)),
      ];
      for (const message of messages) {
        const digest = createHash(hash).update(message).digest();
        const signature = await signer.sign(digest);
        expect(signature).toHaveLength(length);
        if (algorithm === 'rsa3072') {
          const pss = { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
          expect(verify('sha256', message, { ...pss, saltLength: 32 }, signature)).toBe(true);
          // The salt is exactly 32 bytes, what the ESP32 ROM expects.
          expect(verify('sha256', message, { ...pss, saltLength: 48 }, signature)).toBe(false);
        } else {
          expect(verify(hash, message, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
            true,
          );
        }
      }
    } finally {
      await signer.close();
    }
  });
});

describe('AWS KMS signer', () => {
  it('accepts an alias and signs by the key ARN it resolved to', async () => {
    const signer = await createAwsKmsSigner(options('p256', { keyId: kms.keys.p256.alias }));
    try {
      await signer.sign(createHash('sha256').update('x').digest());
      expect(signCalls().at(-1)).toMatchObject({ keyId: kms.keys.p256.arn, status: 200 });
      expect(signer.description).toBe(`aws-kms:region=${kms.region};key=${kms.keys.p256.alias}`);
    } finally {
      await signer.close();
    }
  });

  it('reports an unknown key as KeyNotFound', async () => {
    const err = await rejection(createAwsKmsSigner(options('p256', { keyId: 'alias/no-such-key' })));
    expect(err.code).toBe(ErrorCode.KeyNotFound);
    expect(err.message).toBe(
      "AWS KMS GetPublicKey for key alias/no-such-key failed: NotFoundException: Key 'alias/no-such-key' does not exist",
    );
    expect(err.details).toMatchObject({ retryable: false, awsError: 'NotFoundException', httpStatus: 400 });
  });

  it.each([
    ['rsa2048' as const, 'is RSA_2048; Secure Boot needs RSA_3072, ECC_NIST_P256, ECC_NIST_P384'],
    ['secp256k1' as const, 'is ECC_SECG_P256K1; Secure Boot needs RSA_3072, ECC_NIST_P256, ECC_NIST_P384'],
    ['rsa3072Encrypt' as const, 'has KeyUsage ENCRYPT_DECRYPT; signing needs SIGN_VERIFY'],
  ])('refuses the %s key spec', async (name, why) => {
    const err = await rejection(createAwsKmsSigner(options(name)));
    expect(err.code).toBe(ErrorCode.UnsupportedKey);
    expect(err.message).toBe(`AWS KMS key ${kms.keys[name].keyId} ${why}`);
    expect(err.details).toMatchObject({ retryable: false });
  });

  it('checks the digest length before calling KMS', async () => {
    const signer = await createAwsKmsSigner(options('p384'));
    try {
      const before = signCalls().length;
      const err = await rejection(signer.sign(createHash('sha256').update('x').digest()));
      expect(err.code).toBe(ErrorCode.InvalidDigest);
      expect(signCalls()).toHaveLength(before);
    } finally {
      await signer.close();
    }
  });

  it('lets the AWS SDK retry throttling it can absorb', async () => {
    const signer = await createAwsKmsSigner(options('p256'));
    try {
      const before = signCalls().length;
      kms.failNext(2);
      const message = Buffer.from('retried');
      const signature = await signer.sign(createHash('sha256').update(message).digest());
      expect(verify('sha256', message, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
        true,
      );
      expect(
        signCalls()
          .slice(before)
          .map((c) => c.errorType ?? c.status),
      ).toEqual(['ThrottlingException', 'ThrottlingException', 200]);
    } finally {
      await signer.close();
    }
  });

  it.each([
    ['ThrottlingException' as const, 400],
    ['KMSInternalException' as const, 500],
    ['DependencyTimeoutException' as const, 503],
  ])('surfaces %s beyond the retries as a retryable KmsError', async (type, status) => {
    const signer = await createAwsKmsSigner(options('rsa3072', { maxAttempts: 2 }));
    try {
      const before = signCalls().length;
      kms.failNext(2, type);
      const err = await rejection(signer.sign(createHash('sha256').update('x').digest()));
      expect(err.code).toBe(ErrorCode.KmsError);
      expect(err.message).toBe(
        `AWS KMS Sign for key ${kms.keys.rsa3072.keyId} failed: ${type}: Injected ${type}`,
      );
      expect(err.details).toMatchObject({ retryable: true, awsError: type, httpStatus: status, attempts: 2 });
      expect(signCalls().length - before).toBe(2);
    } finally {
      await signer.close();
    }
  });

  it('surfaces throttling while opening the key as retryable', async () => {
    kms.failNext(1);
    const err = await rejection(createAwsKmsSigner(options('p256', { maxAttempts: 1 })));
    expect(err.code).toBe(ErrorCode.KmsError);
    expect(err.details).toMatchObject({ retryable: true, operation: 'GetPublicKey' });
  });

  it('marks a disabled key as not retryable', async () => {
    const signer = await createAwsKmsSigner(options('p256', { maxAttempts: 1 }));
    try {
      kms.failNext(1, 'DisabledException');
      const err = await rejection(signer.sign(createHash('sha256').update('x').digest()));
      expect(err.code).toBe(ErrorCode.KmsError);
      expect(err.details).toMatchObject({ retryable: false, awsError: 'DisabledException' });
    } finally {
      await signer.close();
    }
  });

  it('reports credentials KMS does not know as not retryable', async () => {
    const credentials = { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' };
    const err = await rejection(createAwsKmsSigner(options('p256', { credentials })));
    expect(err.code).toBe(ErrorCode.KmsError);
    expect(err.details).toMatchObject({ retryable: false, awsError: 'UnrecognizedClientException' });
  });

  it('reports an unreachable endpoint as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await rejection(
      createAwsKmsSigner(options('p256', { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 })),
    );
    expect(err.code).toBe(ErrorCode.KmsError);
    expect(err.details).toMatchObject({ retryable: true });
  });

  it('refuses to sign after close', async () => {
    const signer = await createAwsKmsSigner(options('p256'));
    await signer.close();
    await signer.close();
    const err = await rejection(signer.sign(createHash('sha256').update('x').digest()));
    expect(err.code).toBe(ErrorCode.KmsError);
  });
});
