import { z } from 'zod';
import type { ConfigProblem } from './config-error';
import type { ApiScope } from './file-schema';

// CI identities (OIDC tokens instead of static API keys) and tenant quotas, as written in
// the configuration file (snake_case), with the typed form the gateway reads.

/** JWS algorithms an identity may accept; 'none' and the HMAC family are never accepted. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Claims checked by their own settings (issuer, audience, clock), so they cannot be listed under `claims`. */
const RESERVED_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat'];

const claimValue = z.string().min(1, 'must not be empty');

/** One `identities` entry: which tokens of which issuer act for which tenant, with which rights. */
export function identityEntrySchema(scopes: readonly [ApiScope, ...ApiScope[]], name: z.ZodString) {
  return z
    .strictObject({
      name,
      /** The token's `iss`, exactly (GitHub Actions: https://token.actions.githubusercontent.com). */
      issuer: z.url({ protocol: /^https?$/, error: 'must be an https:// URL (http:// only with allow_http: true)' }),
      /** A value the token's `aud` must hold (a string or one entry of the list). */
      audience: z.string().trim().min(1, 'must not be empty'),
      /** The issuer's key set; default: `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
      jwks_uri: z.url({ protocol: /^https?$/, error: 'must be an https:// URL (http:// only with allow_http: true)' }).optional(),
      /** Accept http:// for the issuer and its key set (a test issuer on loopback; never in production). */
      allow_http: z.boolean().default(false),
      algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1, 'must list at least one algorithm').default(['RS256', 'ES256']),
      /** Claims the token must carry with exactly this value (or one of a list). */
      claims: z
        .record(z.string().min(1), z.union([claimValue, z.array(claimValue).min(1, 'must list at least one value')]))
        .refine((claims) => Object.keys(claims).length > 0, {
          message: 'must list at least one claim (e.g. repository: acme/fw): a public issuer mints tokens for anyone',
        }),
      tenant: name,
      profiles: z.array(z.union([z.literal('*'), name])).min(1, "must list profile names, or '*' for all"),
      scopes: z.array(z.enum(scopes)).min(1, 'must list at least one scope'),
      /** Leeway for exp / nbf / iat between the issuer's clock and ours. */
      clock_tolerance_s: z.number().int().min(0).max(300).default(30),
      /** Least time between two key set fetches prompted by an unknown key id (rotation). */
      jwks_cooldown_s: z.number().int().min(0).max(3600).default(30),
      /** How long a fetched key set is used before it is fetched again. */
      jwks_max_age_s: z.number().int().min(1).max(86_400).default(600),
      description: z.string().optional(),
    })
    .superRefine((entry, ctx) => {
      if (!entry.allow_http) {
        for (const setting of ['issuer', 'jwks_uri'] as const) {
          if (entry[setting]?.startsWith('http://')) {
            ctx.addIssue({ code: 'custom', path: [setting], message: 'must be https:// (set allow_http: true for a test issuer)' });
          }
        }
      }
      for (const claim of Object.keys(entry.claims)) {
        if (RESERVED_CLAIMS.includes(claim)) {
          ctx.addIssue({ code: 'custom', path: ['claims', claim], message: `is checked by its own setting (issuer, audience, clock); remove it` });
        }
      }
    });
}

/** `quotas` of a tenant. */
export const tenantQuotasSchema = z
  .strictObject({
    /** Authenticated requests per minute, every route and every key or identity of the tenant. */
    requests_per_minute: z.number().int().min(1).max(1_000_000).optional(),
    /** Images submitted for signing per UTC day (a job counts 1, a batch its items). */
    signatures_per_day: z.number().int().min(1).max(100_000_000).optional(),
  })
  .refine((quotas) => quotas.requests_per_minute !== undefined || quotas.signatures_per_day !== undefined, {
    message: 'set requests_per_minute and/or signatures_per_day (or leave quotas out)',
  });

export type IdentityEntry = z.output<ReturnType<typeof identityEntrySchema>>;
export type TenantQuotasEntry = z.output<typeof tenantQuotasSchema>;

/** A CI identity: tokens from `issuer` for `audience` whose claims match act as the tenant. */
export interface IdentityConfig {
  readonly name: string;
  readonly issuer: string;
  readonly audience: string;
  /** Explicit key set URL; undefined: discovered from the issuer. */
  readonly jwksUri?: string;
  readonly allowHttp: boolean;
  readonly algorithms: readonly JwtAlgorithm[];
  /** Claim name -> accepted values (exact string match). */
  readonly claims: Readonly<Record<string, readonly string[]>>;
  readonly tenant: string;
  readonly profiles: readonly string[];
  readonly scopes: readonly ApiScope[];
  readonly clockToleranceSec: number;
  readonly jwksCooldownMs: number;
  readonly jwksMaxAgeMs: number;
  readonly description?: string;
}

/** A tenant's quotas; an absent limit is unlimited. */
export interface TenantQuotasConfig {
  readonly requestsPerMinute?: number;
  readonly signaturesPerDay?: number;
}

export function toIdentityConfig(entry: IdentityEntry): IdentityConfig {
  return {
    name: entry.name,
    issuer: entry.issuer,
    audience: entry.audience,
    ...(entry.jwks_uri !== undefined ? { jwksUri: entry.jwks_uri } : {}),
    allowHttp: entry.allow_http,
    algorithms: [...new Set(entry.algorithms)],
    claims: Object.fromEntries(Object.entries(entry.claims).map(([claim, value]) => [claim, typeof value === 'string' ? [value] : value])),
    tenant: entry.tenant,
    profiles: [...new Set(entry.profiles)],
    scopes: [...new Set(entry.scopes)],
    clockToleranceSec: entry.clock_tolerance_s,
    jwksCooldownMs: entry.jwks_cooldown_s * 1000,
    jwksMaxAgeMs: entry.jwks_max_age_s * 1000,
    ...(entry.description !== undefined ? { description: entry.description } : {}),
  };
}

export function toTenantQuotas(entry: TenantQuotasEntry): TenantQuotasConfig {
  return {
    ...(entry.requests_per_minute !== undefined ? { requestsPerMinute: entry.requests_per_minute } : {}),
    ...(entry.signatures_per_day !== undefined ? { signaturesPerDay: entry.signatures_per_day } : {}),
  };
}

/** Problems between identities and the rest: unknown tenants and profiles, duplicate names, '*' with names. */
export function checkIdentities(
  identities: readonly IdentityEntry[],
  tenantNames: ReadonlySet<string>,
  profileNames: ReadonlySet<string>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  identities.forEach((identity, i) => {
    const at = `identities[${i}]`;
    const first = seen.get(identity.name);
    if (first !== undefined) problems.push({ setting: `${at}.name`, problem: `duplicate of identities[${first}].name` });
    else seen.set(identity.name, i);
    if (!tenantNames.has(identity.tenant)) {
      problems.push({ setting: `${at}.tenant`, problem: `unknown tenant '${identity.tenant}' (list it under tenants)` });
    }
    if (identity.profiles.includes('*') && identity.profiles.length > 1) {
      problems.push({ setting: `${at}.profiles`, problem: "'*' already allows every profile; list names or '*' alone" });
    }
    identity.profiles.forEach((profile, k) => {
      if (profile !== '*' && !profileNames.has(profile)) {
        problems.push({ setting: `${at}.profiles[${k}]`, problem: `unknown profile '${profile}'` });
      }
    });
  });
  return problems;
}
