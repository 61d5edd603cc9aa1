import { ErrorCode } from './error-code';
import { FleetSignError } from './fleetsign-error';
import { isTransientError } from './transient';

describe('isTransientError', () => {
  it.each([ErrorCode.HsmUnavailable, ErrorCode.StorageError, ErrorCode.ServiceUnavailable, ErrorCode.Internal])('retries %s', (code) => {
    expect(isTransientError(new FleetSignError(code, 'x'))).toBe(true);
  });

  it.each([ErrorCode.SourceNotFound, ErrorCode.KeyNotFound, ErrorCode.InvalidImage, ErrorCode.InvalidArgument])('does not retry %s', (code) => {
    expect(isTransientError(new FleetSignError(code, 'x'))).toBe(false);
  });

  it('follows the KMS provider on retryability and retries errors without a code', () => {
    expect(isTransientError(new FleetSignError(ErrorCode.KmsError, 'x', { retryable: false }))).toBe(false);
    expect(isTransientError(new FleetSignError(ErrorCode.KmsError, 'x', { retryable: true }))).toBe(true);
    expect(isTransientError(new Error('socket hang up'))).toBe(true);
  });
});
