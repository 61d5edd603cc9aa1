import { bearerToken } from './api-key.guard';
import { hasScope, mayUseProfile, type Principal } from './principal';

describe('bearerToken', () => {
  it('reads the token of a Bearer header, case-insensitively', () => {
    expect(bearerToken('Bearer fsk_abc')).toBe('fsk_abc');
    expect(bearerToken('bearer fsk_abc ')).toBe('fsk_abc');
  });

  it('refuses other schemes, empty tokens, spaces inside and repeated headers', () => {
    for (const header of ['Basic Zm9vOmJhcg==', 'Bearer', 'Bearer ', 'Bearer a b', 'fsk_abc']) {
      expect(bearerToken(header)).toBeUndefined();
    }
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('principal rights', () => {
  const principal = (scopes: Principal['scopes'], profiles: string[]): Principal => ({ kind: 'api_key', name: 'k', tenant: 't', scopes, profiles });

  it('grants listed scopes, and every scope to admin', () => {
    expect(hasScope(principal(['read'], []), 'read')).toBe(true);
    expect(hasScope(principal(['read'], []), 'sign')).toBe(false);
    expect(hasScope(principal(['admin'], []), 'sign')).toBe(true);
  });

  it("allows listed profiles, and all with '*'", () => {
    expect(mayUseProfile(principal(['sign'], ['a']), 'a')).toBe(true);
    expect(mayUseProfile(principal(['sign'], ['a']), 'b')).toBe(false);
    expect(mayUseProfile(principal(['sign'], ['*']), 'b')).toBe(true);
  });
});
