import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import { encodeKeyPath, validateExpiresSec, validateKeyPrefix, validateObjectKey } from './object-key';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isFleetSignError(err) ? err.code : 'not a FleetSignError';
  }
}

describe('validateObjectKey', () => {
  it.each(['a', 'signed/acme/job_1.bin', 'uploads/acme/fw v1.0 (ü).bin', 'a/.b', 'a/%2e%2ex', 'a/100%', 'x'.repeat(1024)])(
    'accepts %p',
    (key) => {
      expect(codeOf(() => validateObjectKey(key))).toBeUndefined();
    },
  );

  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['../x', 'parent segment'],
    ['a/../../x', 'parent segment inside'],
    ['a/./b', 'dot segment'],
    ['..', 'bare parent'],
    ['a\\..\\b', 'backslash'],
    ['a//b', 'empty segment'],
    ['a/', 'trailing slash'],
    ['a\u0000b', 'NUL'],
    ['a\nb', 'newline'],
    ['x'.repeat(1025), 'too long'],
    ['é'.repeat(513), 'too long in UTF-8 bytes'],
    ['incoming/acme/%2e%2e/x.bin', 'percent-encoded parent'],
    ['incoming/acme/%2E/x.bin', 'percent-encoded dot'],
    ['incoming/acme/%252e%252e/x.bin', 'twice-encoded parent'],
    ['incoming/acme/\u2025/x.bin', 'two dot leader'],
    ['incoming/acme/\uff0e\uff0e/x.bin', 'fullwidth full stops'],
  ])('refuses %p (%s)', (key) => {
    expect(codeOf(() => validateObjectKey(key))).toBe(ErrorCode.InvalidArgument);
  });
});

describe('validateKeyPrefix', () => {
  it.each(['', 'a', 'a/', 'signed/acme/'])('accepts %p', (prefix) => {
    expect(codeOf(() => validateKeyPrefix(prefix))).toBeUndefined();
  });

  it.each(['/', '../', 'a/../', 'a//', 'a\\'])('refuses %p', (prefix) => {
    expect(codeOf(() => validateKeyPrefix(prefix))).toBe(ErrorCode.InvalidArgument);
  });
});

describe('encodeKeyPath', () => {
  it('encodes each segment and keeps separators', () => {
    expect(encodeKeyPath('a b/c?d/e#f%')).toBe('a%20b/c%3Fd/e%23f%25');
  });
});

describe('validateExpiresSec', () => {
  it.each([1, 3600, 604800])('accepts %p', (sec) =>
    expect(codeOf(() => validateExpiresSec(sec))).toBeUndefined(),
  );
  it.each([0, -1, 1.5, 604801, Number.NaN])('refuses %p', (sec) => {
    expect(codeOf(() => validateExpiresSec(sec))).toBe(ErrorCode.InvalidArgument);
  });
});
