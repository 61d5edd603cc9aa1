import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { formatFatalError } from './format-fatal-error';

describe('formatFatalError', () => {
  it('prints a FleetSignError message after the espsecure prefix', () => {
    const err = new FleetSignError(ErrorCode.ImageNotAligned, 'Data size should be a multiple of 4096');
    expect(formatFatalError(err)).toBe('A fatal error occurred: Data size should be a multiple of 4096');
  });

  it('keeps an unexpected error on one line without its stack', () => {
    const err = new TypeError('first line\n  second line');
    const text = formatFatalError(err);
    expect(text).toBe('A fatal error occurred: first line second line');
    expect(text).not.toContain('\n');
  });

  it('adds the stack only in debug mode', () => {
    const err = new Error('boom');
    const text = formatFatalError(err, { debug: true });
    expect(text.split('\n')[0]).toBe('A fatal error occurred: boom');
    expect(text).toContain('at ');
  });

  it('replaces known secrets, including in the stack', () => {
    const err = new Error('login failed for PIN 987654');
    const text = formatFatalError(err, { debug: true, secrets: ['987654'] });
    expect(text).not.toContain('987654');
    expect(text.split('\n')[0]).toBe('A fatal error occurred: login failed for PIN ***');
  });

  it('names a non-Error throw', () => {
    expect(formatFatalError('plain string')).toBe('A fatal error occurred: plain string');
    expect(formatFatalError(new Error(''))).toBe('A fatal error occurred: Error');
  });
});
