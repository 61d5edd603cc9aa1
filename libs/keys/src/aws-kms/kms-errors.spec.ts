import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { kmsErrorToFleetSignError } from './kms-errors';

const context = { operation: 'Sign' as const, keyId: 'alias/fw' };

function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 3 },
    ...extra,
  });
}

describe('kmsErrorToFleetSignError', () => {
  it.each([
    ['NotFoundException', 400, ErrorCode.KeyNotFound, false],
    ['InvalidArnException', 400, ErrorCode.KeyNotFound, false],
    ['InvalidKeyUsageException', 400, ErrorCode.UnsupportedKey, false],
    ['UnsupportedOperationException', 400, ErrorCode.UnsupportedKey, false],
    ['DisabledException', 400, ErrorCode.KmsError, false],
    ['KMSInvalidStateException', 400, ErrorCode.KmsError, false],
    ['AccessDeniedException', 400, ErrorCode.KmsError, false],
    ['ThrottlingException', 400, ErrorCode.KmsError, true],
    ['KMSInternalException', 500, ErrorCode.KmsError, true],
    ['DependencyTimeoutException', 503, ErrorCode.KmsError, true],
    ['KeyUnavailableException', 500, ErrorCode.KmsError, true],
    ['SomethingNewException', 502, ErrorCode.KmsError, true],
    ['TimeoutError', undefined, ErrorCode.KmsError, true],
  ])('%s (HTTP %s) -> %s, retryable %s', (name, status, code, retryable) => {
    const err = kmsErrorToFleetSignError(sdkError(name, status), context);
    expect(err.code).toBe(code);
    expect(err.message).toBe(`AWS KMS Sign for key alias/fw failed: ${name}: ${name} happened`);
    expect(err.details).toMatchObject({
      retryable,
      provider: 'aws-kms',
      keyId: 'alias/fw',
      operation: 'Sign',
      awsError: name,
      httpStatus: status,
      requestId: 'req-1',
      attempts: 3,
    });
  });

  it.each([
    [
      'a socket error',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ],
    ['a wrapped socket error', Object.assign(new Error('request failed'), { cause: { code: 'ECONNRESET' } })],
    [
      'a socket error known only by its text',
      new Error('AWS SDK error wrapper for Error: getaddrinfo EAI_AGAIN kms'),
    ],
  ])('marks %s retryable', (_what, error) => {
    const err = kmsErrorToFleetSignError(error, context);
    expect(err.code).toBe(ErrorCode.KmsError);
    expect(err.details).toMatchObject({ retryable: true });
  });

  it('keeps a plain client error not retryable and one line long', () => {
    const err = kmsErrorToFleetSignError(new Error('bad\nthing\n'), context);
    expect(err.message).toBe('AWS KMS Sign for key alias/fw failed: Error: bad thing');
    expect(err.details).toMatchObject({ retryable: false });
  });

  it('handles values that are not errors', () => {
    const err = kmsErrorToFleetSignError('boom', context);
    expect(err.code).toBe(ErrorCode.KmsError);
    expect(err.message).toBe('AWS KMS Sign for key alias/fw failed: Error');
  });

  it('passes FleetSignErrors through', () => {
    const original = new FleetSignError(ErrorCode.InvalidDigest, 'x');
    expect(kmsErrorToFleetSignError(original, context)).toBe(original);
  });
});
