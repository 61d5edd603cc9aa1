import { configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

const github = {
  name: 'gha-release',
  issuer: 'https://token.actions.githubusercontent.com',
  audience: 'https://fleetsign.example.com',
  claims: { repository: 'acme/fw', ref: ['refs/heads/main', 'refs/heads/release'] },
  tenant: 'acme',
  profiles: ['rsa-prod'],
  scopes: ['sign', 'read'],
};

function withIdentity(identity: Record<string, unknown>) {
  return { ...validConfigData(), identities: [identity] };
}

describe('identities', () => {
  it('maps an identity with its defaults', () => {
    const config = parseData(withIdentity(github));
    expect(config.identities).toEqual([
      {
        name: 'gha-release',
        issuer: 'https://token.actions.githubusercontent.com',
        audience: 'https://fleetsign.example.com',
        allowHttp: false,
        algorithms: ['RS256', 'ES256'],
        claims: { repository: ['acme/fw'], ref: ['refs/heads/main', 'refs/heads/release'] },
        tenant: 'acme',
        profiles: ['rsa-prod'],
        scopes: ['sign', 'read'],
        clockToleranceSec: 30,
        jwksCooldownMs: 30_000,
        jwksMaxAgeMs: 600_000,
      },
    ]);
  });

  it('leaves identities out when none are configured', () => {
    expect(parseData(validConfigData()).identities).toBeUndefined();
  });

  it('refuses http issuers and key sets unless allow_http is set', () => {
    expect(configErrorOf(() => parseData(withIdentity({ ...github, issuer: 'http://127.0.0.1:8080' })))).toBe(
      'fleetsign.yaml: identities[0].issuer: must be https:// (set allow_http: true for a test issuer)',
    );
    expect(configErrorOf(() => parseData(withIdentity({ ...github, jwks_uri: 'http://127.0.0.1:8080/jwks' })))).toMatch(
      /identities\[0\]\.jwks_uri: must be https:\/\//,
    );
    const local = parseData(withIdentity({ ...github, issuer: 'http://127.0.0.1:8080', jwks_uri: 'http://127.0.0.1:8080/jwks', allow_http: true }));
    expect(local.identities?.[0]).toMatchObject({ allowHttp: true, jwksUri: 'http://127.0.0.1:8080/jwks' });
  });

  it('needs at least one claim and refuses claims checked by other settings', () => {
    expect(configErrorOf(() => parseData(withIdentity({ ...github, claims: {} })))).toMatch(
      /identities\[0\]\.claims: must list at least one claim/,
    );
    expect(configErrorOf(() => parseData(withIdentity({ ...github, claims: { aud: 'x' } })))).toMatch(
      /identities\[0\]\.claims\.aud: is checked by its own setting/,
    );
  });

  it('names unknown tenants, profiles, algorithms and settings', () => {
    expect(configErrorOf(() => parseData(withIdentity({ ...github, tenant: 'nobody' })))).toBe(
      "fleetsign.yaml: identities[0].tenant: unknown tenant 'nobody' (list it under tenants)",
    );
    expect(configErrorOf(() => parseData(withIdentity({ ...github, profiles: ['nope'] })))).toBe(
      "fleetsign.yaml: identities[0].profiles[0]: unknown profile 'nope'",
    );
    expect(configErrorOf(() => parseData(withIdentity({ ...github, algorithms: ['HS256'] })))).toMatch(
      /identities\[0\]\.algorithms\[0\]: must be one of RS256/,
    );
    expect(configErrorOf(() => parseData(withIdentity({ ...github, subject: 'x' })))).toBe(
      'fleetsign.yaml: identities[0].subject: unknown setting',
    );
    expect(configErrorOf(() => parseData({ ...validConfigData(), identities: [github, github] }))).toBe(
      'fleetsign.yaml: identities[1].name: duplicate of identities[0].name',
    );
  });
});

describe('tenant quotas', () => {
  it('maps quotas per tenant', () => {
    const data = validConfigData();
    data.tenants[0] = { ...data.tenants[0], quotas: { requests_per_minute: 600, signatures_per_day: 20_000 } };
    data.tenants[1] = { ...data.tenants[1], quotas: { signatures_per_day: 5 } };
    const config = parseData(data);
    expect(config.tenants.map((tenant) => tenant.quotas)).toEqual([
      { requestsPerMinute: 600, signaturesPerDay: 20_000 },
      { signaturesPerDay: 5 },
    ]);
  });

  it('names a bad quota', () => {
    const data = validConfigData();
    data.tenants[0] = { ...data.tenants[0], quotas: { requests_per_minute: 0 } };
    expect(configErrorOf(() => parseData(data))).toMatch(/^fleetsign\.yaml: tenants\[0\]\.quotas\.requests_per_minute: /);
    data.tenants[0] = { ...data.tenants[0], quotas: {} };
    expect(configErrorOf(() => parseData(data))).toBe(
      'fleetsign.yaml: tenants[0].quotas: set requests_per_minute and/or signatures_per_day (or leave quotas out)',
    );
  });
});
