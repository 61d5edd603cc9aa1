import { configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

// `usage_limit` of a profile key: read into the profile's per-key limits, refused with the setting named.

describe('usage_limit', () => {
  it('is read per key, in key order, the window in milliseconds', () => {
    const data = validConfigData();
    data.profiles[0].keys[1].usage_limit = { max_signatures: 1000, window: '1h', max: 50 };
    data.profiles[1].keys[0].usage_limit = { window: '30d', max: 3 };
    const [rsa, v1] = parseData(data).profiles;
    expect(rsa.usageLimits).toEqual([undefined, { maxSignatures: 1000, window: { ms: 3_600_000, text: '1h', max: 50 } }]);
    expect(v1.usageLimits).toEqual([{ window: { ms: 30 * 86_400_000, text: '30d', max: 3 } }]);
  });

  it('is absent from a profile whose keys set none', () => {
    expect(parseData(validConfigData()).profiles[0].usageLimits).toBeUndefined();
  });

  it.each([
    [{ max_signatures: 0 }, 'profiles[0].keys[0].usage_limit.max_signatures:'],
    [{ max_signatures: 1.5 }, 'profiles[0].keys[0].usage_limit.max_signatures:'],
    [{ window: '1h' }, 'profiles[0].keys[0].usage_limit.max: window and max go together'],
    [{ max: 5 }, 'profiles[0].keys[0].usage_limit.window: window and max go together'],
    [{ window: 'an hour', max: 5 }, 'profiles[0].keys[0].usage_limit.window: must be a duration'],
    [{ window: '0s', max: 5 }, 'profiles[0].keys[0].usage_limit.window: must be longer than 0s'],
    [{ window: '1h', max: 0 }, 'profiles[0].keys[0].usage_limit.max:'],
    [{ max_signature: 5 }, 'profiles[0].keys[0].usage_limit.max_signature: unknown setting'],
    [{}, 'profiles[0].keys[0].usage_limit: set max_signatures, or window and max'],
  ])('refuses %j naming the setting', (limit, expected) => {
    const data = validConfigData();
    data.profiles[0].keys[0].usage_limit = limit;
    expect(configErrorOf(() => parseData(data))).toContain(`fleetsign.yaml: ${expected}`);
  });

  it('is refused on the transparency log key', () => {
    const data = validConfigData();
    data.transparency_log = { origin: 'fleetsign.example.com/log', key: { provider: 'pem', path: 'keys/log.pem', usage_limit: { max_signatures: 5 } } };
    expect(configErrorOf(() => parseData(data))).toContain('fleetsign.yaml: transparency_log.key.usage_limit: applies to profile keys only');
  });
});
