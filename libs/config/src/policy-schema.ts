import { z } from 'zod';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

// Signing policy settings of a profile, as written in the configuration file (snake_case).

/**
 * `anti_rollback` of a profile: which ESP-IDF secure_version an app image may carry.
 * Every step of secure_version burns an eFuse bit for good, so a profile may bound it.
 */
export const antiRollbackSchema = z
  .strictObject({
    /** Lowest secure_version the profile signs. */
    min_secure_version: z.number().int().min(0).max(0xffffffff).optional(),
    /** Refuse a secure_version below the highest one already signed for the same project name. */
    monotonic: z.boolean().default(false),
    /** Largest increase over the highest secure_version signed for the project (or min_secure_version). */
    max_step: z.number().int().min(1).max(0xffffffff).optional(),
  })
  .refine((rule) => rule.min_secure_version !== undefined || rule.monotonic || rule.max_step !== undefined, {
    message: 'set min_secure_version, monotonic: true or max_step (or leave anti_rollback out)',
  });

export type AntiRollbackEntry = z.output<typeof antiRollbackSchema>;

/** A profile's anti-rollback rule, validated. */
export interface AntiRollbackConfig {
  readonly minSecureVersion?: number;
  readonly monotonic: boolean;
  readonly maxStep?: number;
}

/** The rule of a validated `anti_rollback` entry. */
export function toAntiRollbackConfig(entry: AntiRollbackEntry): AntiRollbackConfig {
  return {
    monotonic: entry.monotonic,
    ...(entry.min_secure_version !== undefined ? { minSecureVersion: entry.min_secure_version } : {}),
    ...(entry.max_step !== undefined ? { maxStep: entry.max_step } : {}),
  };
}

const DURATION = /^([0-9]{1,9})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration such as '30d', '12h', '90m' or '0s'. */
export function parseDurationMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new FleetSignError(ErrorCode.InvalidArgument, `"${text}" is not a duration such as 30d, 12h, 90m or 45s`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * `usage_limit` of a key: how many signatures it may make, in all (`max_signatures`)
 * and/or within any sliding `window` (`max` per window). Counted per key (its public-key
 * digest) across every signer and profile, as the transparency log records them.
 */
export const usageLimitSchema = z
  .strictObject({
    /** Signatures the key may make in its whole life. */
    max_signatures: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Length of the sliding window `max` applies to, e.g. '1h' or '30d'. */
    window: z.string().regex(DURATION, 'must be a duration such as 30d, 12h, 90m or 45s').refine((text) => !DURATION.test(text) || parseDurationMs(text) > 0, 'must be longer than 0s').optional(),
    /** Signatures the key may make within any `window`. */
    max: z.number().int().min(1).max(1_000_000).optional(),
  })
  .superRefine((limit, ctx) => {
    if ((limit.window === undefined) !== (limit.max === undefined)) {
      ctx.addIssue({ code: 'custom', path: [limit.window === undefined ? 'window' : 'max'], message: 'window and max go together (at most max signatures per window)' });
    }
    if (limit.max_signatures === undefined && limit.window === undefined && limit.max === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'set max_signatures, or window and max (or leave usage_limit out)' });
    }
  });

export type UsageLimitEntry = z.output<typeof usageLimitSchema>;

/** A key's validated usage limit. */
export interface UsageLimitConfig {
  /** Signatures in all; undefined: no total limit. */
  readonly maxSignatures?: number;
  /** Sliding window; undefined: no window limit. */
  readonly window?: { readonly ms: number; readonly text: string; readonly max: number };
}

/** The limit of a validated `usage_limit` entry. */
export function toUsageLimitConfig(entry: UsageLimitEntry): UsageLimitConfig {
  return {
    ...(entry.max_signatures !== undefined ? { maxSignatures: entry.max_signatures } : {}),
    ...(entry.window !== undefined && entry.max !== undefined ? { window: { ms: parseDurationMs(entry.window), text: entry.window, max: entry.max } } : {}),
  };
}

/** `certificate_file` of a key: PEM, the key's code-signing certificate first, then its chain. */
export const keyCertificateFields = { certificate_file: z.string().trim().min(1, 'must not be empty').optional() };

/** Policy settings of one profile key: its certificate and its usage limit. */
export const keyPolicyFields = { ...keyCertificateFields, usage_limit: usageLimitSchema.optional() };

/** A profile's certificate settings: what every key's certificate is checked against before each signing. */
export const profileCertificateFields = {
  /** PEM file of the CA certificates a key's chain must end at. */
  trust_anchors_file: z.string().trim().min(1, 'must not be empty').optional(),
  /** PEM or DER CRL of the issuing CA; a key whose certificate serial is on it signs nothing. */
  crl_file: z.string().trim().min(1, 'must not be empty').optional(),
  /** Shortest validity a certificate must have left, e.g. '30d'. */
  min_remaining_validity: z.string().regex(DURATION, 'must be a duration such as 30d, 12h, 90m or 45s').optional(),
};

type CertificateProfileEntry = { [K in keyof typeof profileCertificateFields]?: string } & {
  keys: ReadonlyArray<{ certificate_file?: string }>;
};

/** Adds issues for certificate settings that cannot work together: all keys certified against anchors, or none. */
export function checkProfileCertificates(profile: CertificateProfileEntry, ctx: z.RefinementCtx): void {
  const certified = profile.keys.map((key) => key.certificate_file !== undefined);
  if (profile.trust_anchors_file === undefined) {
    certified.forEach((has, index) => {
      if (has) ctx.addIssue({ code: 'custom', path: ['trust_anchors_file'], message: `is required when keys[${index}].certificate_file is set` });
    });
    for (const setting of ['crl_file', 'min_remaining_validity'] as const) {
      if (profile[setting] !== undefined) ctx.addIssue({ code: 'custom', path: [setting], message: 'needs trust_anchors_file' });
    }
    return;
  }
  certified.forEach((has, index) => {
    if (!has) ctx.addIssue({ code: 'custom', path: ['keys', index, 'certificate_file'], message: 'is required when the profile sets trust_anchors_file' });
  });
}

/** A profile's validated certificate settings (paths absolute). */
export interface CertificatePolicyConfig {
  readonly trustAnchorsFile: string;
  readonly crlFile?: string;
  /** 0 when min_remaining_validity is not set. */
  readonly minRemainingValidityMs: number;
  /** Certificate (chain) file of each key, in key order. */
  readonly certificateFiles: readonly string[];
}
