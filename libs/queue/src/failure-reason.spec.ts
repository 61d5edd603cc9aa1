import { ErrorCode } from '@fleetsign/errors';
import { decodeFailureReason, encodeFailureReason, UNEXPECTED_FAILURE } from './failure-reason';

describe('failure reason codec', () => {
  it('round-trips a code and message', () => {
    const reason = { code: ErrorCode.StorageError, message: 'fs storage get failed for "a": ENOENT' };
    expect(decodeFailureReason(encodeFailureReason(reason))).toEqual(reason);
  });

  it.each([
    ['plain text from BullMQ', 'job stalled more than allowable limit'],
    ['an unknown code', '{"code":"NOT_A_CODE","message":"x"}'],
    ['a missing message', '{"code":"INVALID_IMAGE"}'],
    ['a code that is not text', '{"code":1}'],
    ['a crash naming a path', 'boom at /srv/x.js'],
    ['nothing', undefined],
  ])('reads %s as an unexpected failure without its text', (_what, text) => {
    expect(decodeFailureReason(text)).toEqual(UNEXPECTED_FAILURE);
  });
});
