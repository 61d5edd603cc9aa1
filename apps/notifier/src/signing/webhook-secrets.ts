import { type Env, resolveSecret, type TenantConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** Shortest secret key accepted, in bytes: 128 bits. */
export const MIN_WEBHOOK_SECRET_BYTES = 16;

const SECRET_FORMAT = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

function isUsableSecret(secret: string): boolean {
  const base64 = SECRET_FORMAT.exec(secret)?.[1];
  if (!base64 || base64.length % 4 !== 0) return false;
  return Buffer.from(base64, 'base64').length >= MIN_WEBHOOK_SECRET_BYTES;
}

/**
 * The secrets in a tenant's webhook secret value: one `whsec_<base64>` secret, or during
 * a rotation several separated by blanks or new lines (the new one first, then the ones
 * receivers may still hold). Every event is signed with each of them. Throws
 * InvalidConfig naming `what` (never the value) when one is malformed or too short.
 */
export function parseWebhookSecrets(value: string, what: string): string[] {
  const secrets = [...new Set(value.split(/\s+/).filter(Boolean))];
  if (secrets.length === 0) throw new FleetSignError(ErrorCode.InvalidConfig, `${what} is empty`);
  secrets.forEach((secret, index) => {
    if (!isUsableSecret(secret)) {
      throw new FleetSignError(
        ErrorCode.InvalidConfig,
        `${what}: secret #${index + 1} must be whsec_ followed by base64 of at least ${MIN_WEBHOOK_SECRET_BYTES} bytes`,
      );
    }
  });
  return secrets;
}

/**
 * Looks up tenants' webhook signing secrets. The secret file or variable is read on
 * every lookup, so a rotated secret applies to the next delivery without a restart.
 */
export class TenantSecretStore {
  private readonly tenants: () => readonly TenantConfig[];

  /** `tenants`: the list, or a function giving the list in force (configuration reloads). */
  constructor(
    tenants: readonly TenantConfig[] | (() => readonly TenantConfig[]),
    private readonly env: Env = process.env,
  ) {
    this.tenants = typeof tenants === 'function' ? tenants : () => tenants;
  }

  /** The tenant's current secrets (see parseWebhookSecrets); InvalidConfig when it has none. */
  secretsFor(tenant: string): string[] {
    const config = this.tenants().find((candidate) => candidate.name === tenant);
    if (!config) throw new FleetSignError(ErrorCode.InvalidConfig, `tenant '${tenant}' is not configured`);
    if (!config.webhookSecret) {
      throw new FleetSignError(
        ErrorCode.InvalidConfig,
        `tenant '${tenant}' has no webhook secret (set webhook_secret_file or webhook_secret_env)`,
      );
    }
    return parseWebhookSecrets(resolveSecret(config.webhookSecret, this.env), `tenant '${tenant}' webhook secret`);
  }
}
