import { ErrorCode } from '@fleetsign/errors';
import { queuePrefix } from './queue-prefix';

describe('queuePrefix', () => {
  it('wraps the base in a Redis Cluster hash tag', () => {
    expect(queuePrefix()).toBe('{fleetsign}');
    expect(queuePrefix('fleetsign-staging')).toBe('{fleetsign-staging}');
  });

  it('returns an already wrapped prefix unchanged', () => {
    expect(queuePrefix('{fleetsign}')).toBe('{fleetsign}');
  });

  it.each(['', '{a', 'a}', '{a}b', 'a b', '{}'])('refuses %p', (base) => {
    expect(() => queuePrefix(base)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }));
  });
});
