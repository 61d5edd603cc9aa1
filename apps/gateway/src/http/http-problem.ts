import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE } from '@fleetsign/api';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

export { PROBLEM_CONTENT_TYPE };

/** The JSON body of an error response. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  [extension: string]: unknown;
}

/**
 * A FleetSignError that names an HTTP status other than statusForCode's. Only for a
 * status the code alone cannot decide (an unknown profile named in the URL path is a
 * 404); everything else throws FleetSignError and the filter maps it once.
 */
export class HttpProblem extends FleetSignError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details);
    this.name = 'HttpProblem';
  }
}

/**
 * Status for a FleetSignError raised below the HTTP layer (config, storage, queue):
 * the code decides, so the same failure always looks the same to clients.
 */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.UnknownProfile]: 422,
  [ErrorCode.ProfileRevoked]: 422,
  [ErrorCode.KeyRevoked]: 422,
  [ErrorCode.KeyNotYetValid]: 422,
  [ErrorCode.KeyExpired]: 422,
  [ErrorCode.SourceNotFound]: 422,
  [ErrorCode.ChipNotAllowed]: 422,
  [ErrorCode.IdempotencyConflict]: 409,
  [ErrorCode.ReconcileRunning]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.ImageTooLarge]: 413,
  [ErrorCode.MalformedRequest]: 400,
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.UploadChecksumMismatch]: 400,
  [ErrorCode.StorageError]: 502,
  [ErrorCode.ProfileKeysUnavailable]: 503,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.TokenInvalid]: 401,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.QuotaExceeded]: 429,
  [ErrorCode.ApproverNotAllowed]: 403,
  [ErrorCode.ApprovalByRequester]: 403,
  [ErrorCode.ApprovalAlreadyDecided]: 409,
  [ErrorCode.ApprovalClosed]: 409,
  [ErrorCode.ApprovalExpired]: 409,
};

/** HTTP status for an error code when nothing more specific was said. */
export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** The `type` URI of a problem: stable per error code. */
export function problemType(code: ErrorCode): string {
  return `urn:fleetsign:error:${code}`;
}

/** Builds the problem body for a status, code and one-line detail. */
export function problemBody(
  status: number,
  code: ErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemBody {
  return {
    ...extensions,
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    code,
    detail,
  };
}
