import { ErrorCode } from '@fleetsign/errors';

/** Why a job failed, as every process reports it: a stable code and one line for people. */
export interface FailureReason {
  code: ErrorCode;
  message: string;
}

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** What a reason that is not ours (a crash, BullMQ's own "job stalled" text) reads as: its text may name internals. */
export const UNEXPECTED_FAILURE: Readonly<FailureReason> = {
  code: ErrorCode.Internal,
  message: 'The signer failed with an unexpected error',
};

/**
 * A job's `failedReason` as written by the signer and the notifier: JSON
 * `{"code","message"}`. The one codec for it: the writers encode with this, the gateway
 * and batch accounting decode with `decodeFailureReason`.
 */
export function encodeFailureReason(reason: FailureReason): string {
  return JSON.stringify({ code: reason.code, message: reason.message });
}

/** Reads a `failedReason`; anything not encoded by `encodeFailureReason` with a known code is UNEXPECTED_FAILURE. */
export function decodeFailureReason(text: string | undefined | null): FailureReason {
  if (text) {
    try {
      const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === 'string' && ERROR_CODES.has(parsed.code) && typeof parsed.message === 'string') {
        return { code: parsed.code as ErrorCode, message: parsed.message };
      }
    } catch {
      // not JSON: a failure BullMQ raised itself, or a crash
    }
  }
  return { ...UNEXPECTED_FAILURE };
}
