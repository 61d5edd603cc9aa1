import { ErrorCode } from '@fleetsign/errors';
import { type ConfigData, configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';
import { keepRestartOnlySettings, LiveConfig } from './live-config';
import { keyLocator, keyStateAt, lifecycleFactsAt, profileRefusalAt, profileStateAt } from './lifecycle';

const T = (iso: string) => Date.parse(iso);

function withLifecycle(edit: (data: ConfigData) => void) {
  const data = validConfigData();
  edit(data);
  return parseData(data);
}

describe('key and profile lifecycle settings', () => {
  it('keeps files without lifecycle settings as they were: keys carry none, profiles active or revoked since always', () => {
    const config = parseData(validConfigData());
    expect(config.profiles[0].keys[0].lifecycle).toBeUndefined();
    expect(profileRefusalAt(config.profiles[0], Date.now())).toBeUndefined();
    expect(profileRefusalAt(config.profiles[1], Date.now())?.code).toBe(ErrorCode.ProfileRevoked);
  });

  it('reads state, revoked_at, not_before and not_after of keys and profiles, times normalised to UTC', () => {
    const config = withLifecycle((d) => {
      Object.assign(d.profiles[0].keys[0], { state: 'revoked', revoked_at: '2026-12-01T01:00:00+01:00' });
      Object.assign(d.profiles[0].keys[1], { state: 'retiring', not_before: '2026-01-01T00:00:00Z', not_after: '2027-01-01T00:00:00Z' });
      Object.assign(d.profiles[1], { state: 'revoked', revoked_at: '2026-06-01T00:00:00Z' });
    });
    expect(config.profiles[0].keys[0].lifecycle).toEqual({ state: 'revoked', revokedAt: T('2026-12-01T00:00:00Z') });
    expect(config.profiles[0].keys[1].lifecycle).toEqual({ state: 'retiring', notBefore: T('2026-01-01T00:00:00Z'), notAfter: T('2027-01-01T00:00:00Z') });
    expect(config.profiles[1].revokedAt).toBe(T('2026-06-01T00:00:00Z'));
  });

  it.each<[string, (d: ConfigData) => void, string]>([
    ['a time without a zone', (d) => Object.assign(d.profiles[0].keys[0], { state: 'revoked', revoked_at: '2026-12-01T00:00:00' }), 'profiles[0].keys[0].revoked_at: must be an ISO 8601 time with a zone, e.g. 2026-12-01T00:00:00Z'],
    ['revoked_at on an active key', (d) => Object.assign(d.profiles[0].keys[1], { revoked_at: '2026-12-01T00:00:00Z' }), 'profiles[0].keys[1].revoked_at: needs state: revoked (or leave revoked_at out)'],
    ['revoked_at on an active profile', (d) => Object.assign(d.profiles[0], { revoked_at: '2026-12-01T00:00:00Z' }), 'profiles[0].revoked_at: needs state: revoked (or leave revoked_at out)'],
    ['not_after before not_before', (d) => Object.assign(d.profiles[1].keys[0], { not_before: '2027-01-01T00:00:00Z', not_after: '2026-01-01T00:00:00Z' }), 'profiles[1].keys[0].not_after: must be after not_before'],
    ['an unknown key state', (d) => Object.assign(d.profiles[1].keys[0], { state: 'paused' }), 'profiles[1].keys[0].state: must be one of active, retiring, revoked'],
    ['a lifecycle on the transparency log key', (d) => (d.transparency_log = { origin: 'a.example/log', key: { provider: 'pem', path: 'log.pem', state: 'retiring' } }), 'transparency_log.key.state: applies to signing keys only'],
    ['the same key twice with different states', (d) => d.profiles[0].keys.push({ ...d.profiles[0].keys[0], state: 'retiring' }), 'profiles[0].keys[2]: same key as keys[0]'],
  ])('refuses %s, naming the setting', (_name, breakIt, expected) => {
    const data = validConfigData();
    breakIt(data);
    expect(configErrorOf(() => parseData(data))).toBe(`fleetsign.yaml: ${expected}`);
  });
});

describe('lifecycle at an instant', () => {
  const config = withLifecycle((d) => {
    Object.assign(d.profiles[0].keys[0], { state: 'revoked', revoked_at: '2026-12-01T00:00:00Z' });
    Object.assign(d.profiles[0].keys[1], { not_before: '2026-01-01T00:00:00Z', not_after: '2027-01-01T00:00:00Z' });
  });
  const [profile] = config.profiles;

  it('signs with a key whose revocation lies ahead, reporting it as retiring', () => {
    const before = T('2026-11-30T23:59:59Z');
    expect(profileRefusalAt(profile, before)).toBeUndefined();
    expect(keyStateAt(profile.keys[0], before)).toEqual({ state: 'retiring', revokedAt: '2026-12-01T00:00:00.000Z' });
    expect(lifecycleFactsAt(profile, before)).toEqual({ profileState: 'active', keyStates: [{ index: 0, state: 'retiring' }, { index: 1, state: 'active' }] });
  });

  it('refuses from revoked_at on with KEY_REVOKED and the time', () => {
    const refusal = profileRefusalAt(profile, T('2026-12-01T00:00:00Z'));
    expect(refusal).toMatchObject({ code: ErrorCode.KeyRevoked, details: { profile: 'rsa-prod', keyIndex: 0, revokedAt: '2026-12-01T00:00:00.000Z' } });
    expect(refusal?.message).toBe("profile 'rsa-prod' key 0 is revoked since 2026-12-01T00:00:00.000Z");
  });

  it('refuses outside not_before / not_after with KEY_NOT_YET_VALID and KEY_EXPIRED', () => {
    const second = { ...profile, keys: [profile.keys[1]] };
    expect(profileRefusalAt(second, T('2025-12-31T23:59:59Z'))?.code).toBe(ErrorCode.KeyNotYetValid);
    expect(profileRefusalAt(second, T('2026-06-01T00:00:00Z'))).toBeUndefined();
    expect(profileRefusalAt(second, T('2027-01-01T00:00:00Z'))?.code).toBe(ErrorCode.KeyExpired);
  });

  it('revokes a profile from its revoked_at on and reports it retiring before', () => {
    const revoked = { ...profile, keys: [profile.keys[1]], state: 'revoked' as const, revokedAt: T('2026-07-01T00:00:00Z') };
    expect(profileStateAt(revoked, T('2026-06-30T00:00:00Z')).state).toBe('retiring');
    expect(profileRefusalAt(revoked, T('2026-06-30T00:00:00Z'))).toBeUndefined();
    expect(profileRefusalAt(revoked, T('2026-07-01T00:00:00Z'))).toMatchObject({ code: ErrorCode.ProfileRevoked, details: { revokedAt: '2026-07-01T00:00:00.000Z' } });
  });

  it('names a key by its locator, whatever its lifecycle', () => {
    expect(keyLocator(profile.keys[0])).toBe(keyLocator({ ...profile.keys[0], lifecycle: undefined }));
    expect(keyLocator(profile.keys[0])).not.toBe(keyLocator(profile.keys[1]));
  });
});

describe('LiveConfig', () => {
  it('swaps the whole configuration; the view reads the one in force', async () => {
    const first = parseData(validConfigData());
    const second = withLifecycle((d) => d.tenants.push({ name: 'new-tenant' }));
    const live = new LiveConfig(first);
    const seen: number[] = [];
    live.onChange((next, previous) => void seen.push(previous.tenants.length, next.tenants.length));
    const { view } = live;
    expect(view.tenants).toHaveLength(2);
    await live.replace(second);
    expect(view.tenants).toHaveLength(3);
    expect(view.profiles).toBe(second.profiles);
    expect(seen).toEqual([2, 3]);
  });

  it('keeps the transparency_log section of the running process and names what changed', () => {
    const log = { origin: 'a.example/log', key: { provider: 'pem', path: 'log.pem' } };
    const before = withLifecycle((d) => (d.transparency_log = log));
    const after = withLifecycle((d) => (d.transparency_log = { ...log, origin: 'b.example/log' }));
    const { config, changed } = keepRestartOnlySettings(before, after);
    expect(changed).toEqual([{ setting: 'transparency_log.origin' }]);
    expect(config.transparencyLog?.origin).toBe('a.example/log');
    expect(config.profiles).toBe(after.profiles);
    expect(keepRestartOnlySettings(before, before).changed).toEqual([]);
  });
});
