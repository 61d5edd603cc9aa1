import { ErrorCode, FleetSignError } from '@fleetsign/errors';

interface S3ServiceErrorLike {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/** HTTP status of an S3 SDK error, when it has one. */
export function s3Status(err: unknown): number | undefined {
  return (err as S3ServiceErrorLike | undefined)?.$metadata?.httpStatusCode;
}

/**
 * True for "no such object" answers (GetObject's NoSuchKey, HeadObject's bare 404).
 * A missing bucket is not one: the store is misconfigured or away, and that is retried
 * as STORAGE_ERROR rather than failing every job as SOURCE_NOT_FOUND.
 */
export function isS3NotFound(err: unknown): boolean {
  const name = (err as S3ServiceErrorLike | undefined)?.name;
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || s3Status(err) === 404;
}

/** True when a conditional write lost (412 PreconditionFailed, 409 ConditionalRequestConflict). */
export function isS3PreconditionFailed(err: unknown): boolean {
  const name = (err as S3ServiceErrorLike | undefined)?.name;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || s3Status(err) === 412;
}

/** A STORAGE_ERROR naming the operation, key and S3 error, with the SDK error as cause. */
export function s3StorageError(operation: string, key: string, err: unknown): FleetSignError {
  const name = (err as S3ServiceErrorLike | undefined)?.name ?? 'Error';
  const status = s3Status(err);
  return new FleetSignError(
    ErrorCode.StorageError,
    `S3 ${operation} failed for "${key}": ${name}${status ? ` (HTTP ${status})` : ''}`,
    { operation, key, s3Error: name, status },
    { cause: err },
  );
}
