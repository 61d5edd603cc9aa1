import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { encodeFailureReason, UnrecoverableError } from '@fleetsign/queue';
import { classifyJobError, isLastAttempt, jobError, RetryableJobError } from './job-failure';

describe('classifyJobError', () => {
  it.each([
    ErrorCode.InvalidImage,
    ErrorCode.ChipSchemeMismatch,
    ErrorCode.TooManySignatureBlocks,
    ErrorCode.ImageTrailingData,
    ErrorCode.SourceNotFound,
    ErrorCode.ImageTooLarge,
    ErrorCode.UnknownProfile,
    ErrorCode.ProfileRevoked,
    ErrorCode.HsmPinIncorrect,
    ErrorCode.KeyNotFound,
    ErrorCode.UnsupportedKey,
    ErrorCode.ValidationFailed,
  ])('treats %s as permanent', (code) => {
    expect(classifyJobError(new FleetSignError(code, 'x'))).toEqual({ code, message: 'x', permanent: true });
  });

  it.each([ErrorCode.HsmUnavailable, ErrorCode.HsmError, ErrorCode.StorageError, ErrorCode.SignatureVerificationFailed])(
    'treats %s as transient',
    (code) => {
      expect(classifyJobError(new FleetSignError(code, 'x')).permanent).toBe(false);
    },
  );

  it('retries a KMS error unless the provider said it is not retryable', () => {
    expect(classifyJobError(new FleetSignError(ErrorCode.KmsError, 'throttled', { retryable: true })).permanent).toBe(false);
    expect(classifyJobError(new FleetSignError(ErrorCode.KmsError, 'bad signature', { retryable: false })).permanent).toBe(true);
  });

  it('retries errors without a code and keeps their text out of the reason', () => {
    const failure = classifyJobError(new Error('connect ECONNREFUSED 10.0.0.7:6379'));
    expect(failure).toMatchObject({ code: ErrorCode.Internal, permanent: false });
    expect(failure.message).not.toContain('10.0.0.7');
  });
});

describe('jobError', () => {
  it('makes permanent failures UnrecoverableError with a JSON reason', () => {
    const failure = classifyJobError(new FleetSignError(ErrorCode.InvalidImage, 'bad magic 0x00'));
    const err = jobError(failure, undefined);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(JSON.parse(err.message)).toEqual({ code: 'INVALID_IMAGE', message: 'bad magic 0x00' });
  });

  it('rethrows transient failures as retryable, with the cause kept', () => {
    const cause = new FleetSignError(ErrorCode.HsmUnavailable, 'token gone');
    const err = jobError(classifyJobError(cause), cause);
    expect(err).toBeInstanceOf(RetryableJobError);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe(encodeFailureReason({ code: ErrorCode.HsmUnavailable, message: 'token gone' }));
  });
});

describe('isLastAttempt', () => {
  const policy = { horizonMs: 7_000, firstDelayMs: 1_000, maxDelayMs: 4_000 };

  it('counts the running attempt against the job attempts', () => {
    expect(isLastAttempt({ attemptsMade: 0, opts: { attempts: 5 } }, policy)).toBe(false);
    expect(isLastAttempt({ attemptsMade: 4, opts: { attempts: 5 } }, policy)).toBe(true);
    expect(isLastAttempt({ attemptsMade: 0, opts: {} }, policy)).toBe(true);
  });

  it('ends the retries once they have waited the horizon', () => {
    // Retries wait 1 s, 2 s, 4 s: the 4th attempt's failure is final (7 s waited).
    expect(isLastAttempt({ attemptsMade: 2, opts: { attempts: 1_000 } }, policy)).toBe(false);
    expect(isLastAttempt({ attemptsMade: 3, opts: { attempts: 1_000 } }, policy)).toBe(true);
  });
});
