import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** Which KMS call failed, and for which configured key. */
export interface KmsCallContext {
  operation: 'GetPublicKey' | 'Sign';
  keyId: string;
}

/** KMS answers that mean "slow down" or "try again later": worth a job retry. */
const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket-level failures: KMS (or the network to it) is unreachable right now. */
const RETRYABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Errors that say the key id names no key this caller can see. */
const KEY_NOT_FOUND_ERRORS = new Set(['NotFoundException', 'InvalidArnException']);

/** Errors that say the key exists but cannot sign this way. */
const UNSUPPORTED_KEY_ERRORS = new Set(['InvalidKeyUsageException', 'UnsupportedOperationException']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

const SOCKET_CODE_IN_TEXT = new RegExp(`\\b(${[...RETRYABLE_SOCKET_CODES].join('|')})\\b`);

/**
 * The socket error code of `e` or of an error it wraps. The AWS SDK turns an error it
 * does not recognise as an Error (e.g. one from another JS realm) into a plain Error
 * carrying only its text, so the text is searched last.
 */
function socketCode(e: SdkErrorShape): string | undefined {
  let current: SdkErrorShape | undefined = e;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.code && RETRYABLE_SOCKET_CODES.has(current.code)) return current.code;
    current =
      typeof current.cause === 'object' && current.cause !== null
        ? (current.cause as SdkErrorShape)
        : undefined;
  }
  return SOCKET_CODE_IN_TEXT.exec(e.message ?? '')?.[1];
}

/**
 * Maps an AWS SDK error to FleetSignError: KeyNotFound (no such key), UnsupportedKey
 * (wrong usage or operation), otherwise KmsError. `details.retryable` is true for
 * throttling, KMS 5xx and network failures, which the AWS SDK has already retried.
 */
export function kmsErrorToFleetSignError(err: unknown, context: KmsCallContext): FleetSignError {
  if (err instanceof FleetSignError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const socket = socketCode(e);
  const retryable =
    RETRYABLE_ERRORS.has(name) ||
    socket !== undefined ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500);
  const code = KEY_NOT_FOUND_ERRORS.has(name)
    ? ErrorCode.KeyNotFound
    : UNSUPPORTED_KEY_ERRORS.has(name)
      ? ErrorCode.UnsupportedKey
      : ErrorCode.KmsError;
  const reason = e.code && e.code !== name ? `${name} (${e.code})` : name;
  const detail = e.message ? `: ${e.message.replace(/\s+/g, ' ').trim()}` : '';
  return new FleetSignError(
    code,
    `AWS KMS ${context.operation} for key ${context.keyId} failed: ${reason}${detail}`,
    {
      retryable,
      provider: 'aws-kms',
      keyId: context.keyId,
      operation: context.operation,
      awsError: name,
      socketError: socket,
      httpStatus: status,
      requestId: e.$metadata?.requestId,
      attempts: e.$metadata?.attempts,
    },
    { cause: err },
  );
}
