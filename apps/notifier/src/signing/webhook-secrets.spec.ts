import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { parseWebhookSecrets, TenantSecretStore } from './webhook-secrets';

const newSecret = (bytes = 24) => `whsec_${randomBytes(bytes).toString('base64')}`;

function codeOf(action: () => unknown): ErrorCode | undefined {
  try {
    action();
  } catch (err) {
    return err instanceof FleetSignError ? err.code : undefined;
  }
  return undefined;
}

describe('parseWebhookSecrets', () => {
  it('reads one secret, or several separated by blanks or new lines, in order and without duplicates', () => {
    const [a, b] = [newSecret(), newSecret()];
    expect(parseWebhookSecrets(a, 'x')).toEqual([a]);
    expect(parseWebhookSecrets(`${a}\n${b}\n`, 'x')).toEqual([a, b]);
    expect(parseWebhookSecrets(`${a}  ${b} ${a}`, 'x')).toEqual([a, b]);
  });

  it.each([
    ['no whsec_ prefix', randomBytes(24).toString('base64')],
    ['not base64', 'whsec_not*base64!'],
    ['bad padding', 'whsec_abcde'],
    ['too short', newSecret(8)],
    ['empty', '  \n'],
  ])('refuses %s with InvalidConfig and never quotes the value', (_what, value) => {
    let caught: unknown;
    try {
      parseWebhookSecrets(value, "tenant 'acme' webhook secret");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FleetSignError);
    expect((caught as FleetSignError).code).toBe(ErrorCode.InvalidConfig);
    expect((caught as FleetSignError).message).toContain("tenant 'acme'");
    if (value.trim()) expect((caught as FleetSignError).message).not.toContain(value.trim());
  });
});

describe('TenantSecretStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-notifier-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the secret file on every lookup, so a rotation applies without a restart', () => {
    const path = join(dir, 'acme.secret');
    const [first, second] = [newSecret(), newSecret()];
    writeFileSync(path, `${first}\n`);
    const tenants: TenantConfig[] = [
      { name: 'acme', webhookSecret: { source: 'file', path, origin: 'test.yaml', setting: 'tenants[0].webhook_secret_file' } },
    ];
    const store = new TenantSecretStore(tenants, {});
    expect(store.secretsFor('acme')).toEqual([first]);
    writeFileSync(path, `${second}\n${first}\n`);
    expect(store.secretsFor('acme')).toEqual([second, first]);
  });

  it('reads secrets named by environment variable from the given environment', () => {
    const secret = newSecret();
    const tenants: TenantConfig[] = [
      { name: 'beta', webhookSecret: { source: 'env', name: 'BETA_WHSEC', origin: 'test.yaml', setting: 'tenants[0].webhook_secret_env' } },
    ];
    expect(new TenantSecretStore(tenants, { BETA_WHSEC: secret }).secretsFor('beta')).toEqual([secret]);
    expect(codeOf(() => new TenantSecretStore(tenants, {}).secretsFor('beta'))).toBe(ErrorCode.InvalidConfig);
  });

  it('refuses unknown tenants and tenants without a secret with InvalidConfig', () => {
    const store = new TenantSecretStore([{ name: 'nosecret' }], {});
    expect(codeOf(() => store.secretsFor('nosecret'))).toBe(ErrorCode.InvalidConfig);
    expect(codeOf(() => store.secretsFor('other'))).toBe(ErrorCode.InvalidConfig);
  });
});
