import { configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

// Signing policy settings of a profile: read into the profile config, refused with the setting named.

describe('anti_rollback', () => {
  it('is read into the profile, monotonic defaulting to false', () => {
    const data = validConfigData();
    data.profiles[0].anti_rollback = { min_secure_version: 3, monotonic: true, max_step: 2 };
    data.profiles[1].anti_rollback = { max_step: 1 };
    const [rsa, v1] = parseData(data).profiles;
    expect(rsa.antiRollback).toEqual({ minSecureVersion: 3, monotonic: true, maxStep: 2 });
    expect(v1.antiRollback).toEqual({ monotonic: false, maxStep: 1 });
  });

  it('is absent from a profile that does not set it', () => {
    expect(parseData(validConfigData()).profiles[0].antiRollback).toBeUndefined();
  });

  it.each([
    [{ max_step: 0 }, 'profiles[0].anti_rollback.max_step:'],
    [{ min_secure_version: -1 }, 'profiles[0].anti_rollback.min_secure_version:'],
    [{ monotonic: 'yes' }, 'profiles[0].anti_rollback.monotonic:'],
    [{ monotonc: true }, 'profiles[0].anti_rollback.monotonc: unknown setting'],
    [{}, 'profiles[0].anti_rollback: set min_secure_version, monotonic: true or max_step'],
  ])('refuses %j naming the setting', (rule, expected) => {
    const data = validConfigData();
    data.profiles[0].anti_rollback = rule;
    expect(configErrorOf(() => parseData(data))).toContain(`fleetsign.yaml: ${expected}`);
  });
});
