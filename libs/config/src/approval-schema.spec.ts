import { configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

// `approval` of a profile (dual control): read into the profile, refused with the setting named.

describe('approval', () => {
  it('is read into the profile: names and scopes apart, the expiry in milliseconds (default 24h)', () => {
    const data = validConfigData();
    data.profiles[0].approval = { required: 2, approvers: ['ci', 'scope:admin', 'ci'], expires_after: '90m' };
    data.profiles[1].approval = { required: 1, approvers: ['admin'] };
    const [rsa, v1] = parseData(data).profiles;
    expect(rsa.approval).toEqual({ required: 2, approverNames: ['ci'], approverScopes: ['admin'], expiresAfterMs: 90 * 60_000 });
    expect(v1.approval?.expiresAfterMs).toBe(24 * 3_600_000);
  });

  it('is absent from a profile that does not set it', () => {
    expect(parseData(validConfigData()).profiles[0].approval).toBeUndefined();
  });

  it.each([
    [{ required: 0, approvers: ['ci'] }, 'profiles[0].approval.required:'],
    [{ required: 1, approvers: [] }, 'profiles[0].approval.approvers: must name at least one approver'],
    [{ required: 1, approvers: ['nobody'] }, "profiles[0].approval.approvers[0]: unknown API key 'nobody'"],
    [{ required: 1, approvers: ['scope:write'] }, "profiles[0].approval.approvers[0]: unknown scope 'write'"],
    [{ required: 3, approvers: ['ci', 'admin'] }, 'profiles[0].approval.required: needs 3 distinct approvers but only 2 API key(s) can approve'],
    [{ required: 1, approvers: ['ci'], expires_after: 'soon' }, 'profiles[0].approval.expires_after: must be a duration'],
    [{ required: 1, approvers: ['ci'], expires_after: '31d' }, 'profiles[0].approval.expires_after: must be more than 0s and at most 30d'],
    [{ required: 1, approvers: ['ci'], quorum: 2 }, 'profiles[0].approval.quorum: unknown setting'],
  ])('refuses %j naming the setting', (rule, expected) => {
    const data = validConfigData();
    data.profiles[0].approval = rule;
    expect(configErrorOf(() => parseData(data))).toContain(`fleetsign.yaml: ${expected}`);
  });
});
