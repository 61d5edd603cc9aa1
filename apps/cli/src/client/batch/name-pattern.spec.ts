import { compileNamePattern, hasWildcards } from './name-pattern';

describe('compileNamePattern', () => {
  it.each([
    ['*.bin', 'app.bin', true],
    ['*.bin', 'app.bin.bak', false],
    ['*.bin', '.hidden.bin', false],
    ['.*.bin', '.hidden.bin', true],
    ['fw-??.bin', 'fw-01.bin', true],
    ['fw-??.bin', 'fw-001.bin', false],
    ['fw-[0-9][a-c].bin', 'fw-7b.bin', true],
    ['fw-[0-9][a-c].bin', 'fw-7d.bin', false],
    ['fw-[!0-9].bin', 'fw-x.bin', true],
    ['fw-[!0-9].bin', 'fw-5.bin', false],
    ['a+b(1).bin', 'a+b(1).bin', true],
    ['a+b(1).bin', 'aab(1).bin', false],
    ['\\*.bin', '*.bin', true],
    ['\\*.bin', 'x.bin', false],
    ['v1.0.bin', 'v1x0.bin', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(compileNamePattern(pattern)(name)).toBe(expected);
  });

  it('refuses an unclosed bracket', () => {
    expect(() => compileNamePattern('fw-[0-9.bin')).toThrow('unclosed "["');
  });

  it('tells wildcard segments from plain ones', () => {
    expect(hasWildcards('*.bin')).toBe(true);
    expect(hasWildcards('fw-?.bin')).toBe(true);
    expect(hasWildcards('fw-[ab].bin')).toBe(true);
    expect(hasWildcards('firmware')).toBe(false);
  });
});
