import { SIGNING_SCHEMES, type SigningScheme } from '@fleetsign/secure-boot';
import { z } from 'zod';
import { antiRollbackSchema, checkProfileCertificates, keyPolicyFields, profileCertificateFields } from './policy-schema';
import { identityEntrySchema, tenantQuotasSchema } from './identity-schema';
import { approvalSchema } from './approval-schema';
import { checkLifecycle, keyLifecycleFields, LIFECYCLE_STATES, profileLifecycleFields } from './lifecycle-schema';

// The shape of the FleetSign configuration file (FLEETSIGN_CONFIG), as written in YAML:
// snake_case keys, unknown keys refused so a typo cannot silently drop a setting.

/** Access rights an API key can hold. */
export const API_SCOPES = ['sign', 'read', 'batch', 'admin', 'operator', 'audit', 'approve'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A profile's states (the key lifecycle's): `retiring` still signs and is reported as retiring. */
export const PROFILE_STATES = LIFECYCLE_STATES;
export type ProfileState = (typeof PROFILE_STATES)[number];

/** Most signing keys one profile may use: Secure Boot V2 holds at most 3 signature blocks. */
export const MAX_PROFILE_KEYS = 3;

const name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );
const text = z.string().trim().min(1, 'must not be empty');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** Adds an issue unless exactly one (or, with `optional`, at most one) of `keys` is set. */
function oneOf(value: Record<string, unknown>, ctx: z.RefinementCtx, keys: string[], optional = false): void {
  const set = keys.filter((key) => value[key] !== undefined);
  if (set.length > 1)
    ctx.addIssue({ code: 'custom', path: [set[1]], message: `set ${keys.join(' or ')}, not both` });
  else if (!set.length && !optional)
    ctx.addIssue({ code: 'custom', path: [], message: `needs ${keys.join(' or ')}` });
}

const pkcs11KeySchema = z
  .strictObject({
    provider: z.literal('pkcs11'),
    /** Path of the PKCS#11 module (shared library). */
    module: text,
    slot: z.number().int().min(0).optional(),
    token_label: text.optional(),
    key_label: text.optional(),
    key_id: z
      .string({ error: 'must be a quoted hex string such as "01" (YAML reads 01 as a number)' })
      .regex(/^([0-9a-fA-F]{2})+$/, 'must be hex bytes such as "01"')
      .optional(),
    pub_label: text.optional(),
    pin_file: text.optional(),
    pin_env: envName.optional(),
    sessions: z.number().int().min(1).max(64).optional(),
    ...keyPolicyFields,
    ...keyLifecycleFields,
  })
  .superRefine((key, ctx) => {
    checkLifecycle(key, ctx);
    oneOf(key, ctx, ['slot', 'token_label']);
    if (key.key_label === undefined && key.key_id === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs key_label or key_id (or both)' });
    }
    oneOf(key, ctx, ['pin_file', 'pin_env']);
  });

const pemKeySchema = z
  .strictObject({ provider: z.literal('pem'), path: text, ...keyPolicyFields, ...keyLifecycleFields })
  .superRefine(checkLifecycle);

const awsKmsKeySchema = z.strictObject({
  provider: z.literal('aws-kms'),
  /** Key id, key ARN, alias name (alias/...) or alias ARN. */
  key_id: text,
  region: z.string().regex(/^[a-z0-9-]+$/, 'must be a region name such as eu-west-1'),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  ...keyPolicyFields,
  ...keyLifecycleFields,
}).superRefine(checkLifecycle);

const keySchema = z.discriminatedUnion('provider', [pkcs11KeySchema, pemKeySchema, awsKmsKeySchema]);

const profileSchema = z.strictObject({
  name,
  scheme: z.enum(SIGNING_SCHEMES as readonly SigningScheme[] as [SigningScheme, ...SigningScheme[]]),
  keys: z
    .array(keySchema)
    .min(1, 'needs at least one key')
    .max(MAX_PROFILE_KEYS, `at most ${MAX_PROFILE_KEYS} keys (Secure Boot V2 holds 3 signature blocks)`),
  allowed_chips: z
    .array(text)
    .min(1, 'must list at least one chip, or be left out to allow every chip')
    .optional(),
  state: z.enum(PROFILE_STATES),
  /** Key lifecycle (issue 8): with state revoked, from when. */
  ...profileLifecycleFields,
  description: z.string().optional(),
  /** Signing policy (issue 8): secure_version rules for app images. */
  anti_rollback: antiRollbackSchema.optional(),
  /** Dual control: jobs and batches wait for approvals before any HSM operation. */
  approval: approvalSchema.optional(),
  /** Signing policy (issue 8): code-signing certificates of the keys. */
  ...profileCertificateFields,
}).superRefine((profile, ctx) => {
  checkProfileCertificates(profile, ctx);
  checkLifecycle(profile, ctx);
});

const apiKeySchema = z.strictObject({
  id: name,
  token_sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be the hex SHA-256 of the token (64 hex digits)')
    .transform((hex) => hex.toLowerCase()),
  tenant: name,
  profiles: z.array(z.union([z.literal('*'), name])).min(1, "must list profile names, or '*' for all"),
  scopes: z.array(z.enum(API_SCOPES)).min(1, 'must list at least one scope'),
  description: z.string().optional(),
});

const tenantSchema = z
  .strictObject({
    name,
    webhook_secret_file: text.optional(),
    webhook_secret_env: envName.optional(),
    description: z.string().optional(),
    /** Requests per minute and signatures per day, enforced across gateway replicas (issue 8). */
    quotas: tenantQuotasSchema.optional(),
  })
  .superRefine((tenant, ctx) => oneOf(tenant, ctx, ['webhook_secret_file', 'webhook_secret_env'], true));

// --- transparency log (issue 7) ---
/** The log: its name, the key that signs its checkpoints and how often it checkpoints. */
const transparencyLogSchema = z.strictObject({
  /** The log's origin line and signed-note key name, e.g. 'fleetsign.example.com/log'. */
  origin: z.string().regex(/^[^\s+]+$/, 'must be one word without spaces or "+" (e.g. fleetsign.example.com/log)'),
  /** The log key, configured like a profile key (pkcs11, aws-kms or pem); ECDSA (P-256 preferred). */
  key: keySchema,
  /** A checkpoint after this many new entries. */
  checkpoint_every: z.number().int().min(1).max(1_000_000).default(1000),
  /** ... or after this many seconds with new entries. */
  checkpoint_interval_s: z.number().int().min(1).max(86_400).default(60),
  /** Folder of the log in the object store. */
  store_prefix: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)+$/, "must be folder names each ending in '/', e.g. log/")
    .default('log/'),
}).superRefine((log, ctx) => {
  // The log key signs checkpoints, not firmware: a signature budget would stop the log.
  if (log.key.usage_limit !== undefined) ctx.addIssue({ code: 'custom', path: ['key', 'usage_limit'], message: 'applies to profile keys only, not the log key' });
});

/** The whole configuration file. */
export const configFileSchema = z.strictObject(
  {
    version: z.literal(1, 'must be 1').optional(),
    profiles: z.array(profileSchema).default([]),
    api_keys: z.array(apiKeySchema).default([]),
    tenants: z.array(tenantSchema).default([]),
    /** CI identities: OIDC tokens accepted besides API keys (issue 8). */
    identities: z.array(identityEntrySchema(API_SCOPES, name)).default([]),
    transparency_log: transparencyLogSchema.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'the file must hold a mapping with profiles, api_keys and tenants'
        : undefined,
  },
);

export type ConfigFile = z.output<typeof configFileSchema>;
export type ProfileEntry = ConfigFile['profiles'][number];
export type KeyEntry = ProfileEntry['keys'][number];
