import { sourceKeyProblem } from './source-key';

describe('sourceKeyProblem', () => {
  it('accepts a key under the tenant prefix', () => {
    expect(sourceKeyProblem('acme', 'incoming/acme/fw.bin')).toBeUndefined();
  });

  it.each(['incoming/acme/%2e%2e/globex/fw.bin', 'incoming/acme/\u2025/fw.bin', 'incoming/acme/\uff0e\uff0e/fw.bin', 'incoming/acme/../globex/fw.bin'])(
    'refuses the dot segment in %p as an invalid key',
    (key) => {
      expect(sourceKeyProblem('acme', key)).toEqual({ reason: 'invalid', message: 'not a valid object key' });
    },
  );

  it("refuses another tenant's key", () => {
    expect(sourceKeyProblem('acme', 'incoming/globex/fw.bin')).toMatchObject({ reason: 'foreign', prefix: 'incoming/acme/' });
  });
});
