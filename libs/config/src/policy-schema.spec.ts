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

describe('certificate settings', () => {
  const certified = () => {
    const data = validConfigData();
    data.profiles[0].keys.forEach((key, k) => (key.certificate_file = `certs/key${k}.pem`));
    Object.assign(data.profiles[0], { trust_anchors_file: 'pki/anchors.pem', crl_file: 'pki/ca.crl', min_remaining_validity: '30d' });
    return data;
  };

  it('are read into the profile with absolute paths and the validity in milliseconds', () => {
    expect(parseData(certified()).profiles[0].certificates).toEqual({
      trustAnchorsFile: '/etc/fleetsign/pki/anchors.pem',
      crlFile: '/etc/fleetsign/pki/ca.crl',
      minRemainingValidityMs: 30 * 86_400_000,
      certificateFiles: ['/etc/fleetsign/certs/key0.pem', '/etc/fleetsign/certs/key1.pem'],
    });
    expect(parseData(validConfigData()).profiles[0].certificates).toBeUndefined();
  });

  it.each([
    ['a key without certificate_file', (d: ReturnType<typeof validConfigData>) => delete d.profiles[0].keys[1].certificate_file, 'profiles[0].keys[1].certificate_file: is required when the profile sets trust_anchors_file'],
    ['certificates without anchors', (d: ReturnType<typeof validConfigData>) => delete d.profiles[0].trust_anchors_file, 'profiles[0].trust_anchors_file: is required when keys[0].certificate_file is set'],
    ['a bad duration', (d: ReturnType<typeof validConfigData>) => (d.profiles[0].min_remaining_validity = '30 days'), 'profiles[0].min_remaining_validity: must be a duration such as 30d'],
  ])('refuses %s naming the setting', (_what, breakIt, expected) => {
    const data = certified();
    breakIt(data);
    expect(configErrorOf(() => parseData(data))).toContain(`fleetsign.yaml: ${expected}`);
  });
});
