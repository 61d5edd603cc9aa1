import { z } from 'zod';

// Lifecycle settings of a key and a profile, as written in the configuration file
// (snake_case): whether it may sign now, and from when to when.

/** States a key or a profile can be in. `retiring` still signs and is reported as such. */
export const LIFECYCLE_STATES = ['active', 'retiring', 'revoked'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

const TIME_MESSAGE = 'must be an ISO 8601 time with a zone, e.g. 2026-12-01T00:00:00Z';
const ZONED = /(Z|[+-][0-9]{2}:?[0-9]{2})$/i;

/**
 * An instant: ISO 8601 with a zone (a time without one would mean different instants on
 * different machines). YAML 1.1 timestamps that a parser turned into dates are accepted too.
 */
export const instantSchema = z.preprocess(
  (value) => (value instanceof Date ? value.toISOString() : value),
  z
    .string({ error: TIME_MESSAGE })
    .refine((text) => ZONED.test(text.trim()) && Number.isFinite(Date.parse(text)), TIME_MESSAGE)
    .transform((text) => new Date(Date.parse(text)).toISOString()),
);

/** `revoked_at`, `not_before`, `not_after` of a key (spread into each key provider's schema). */
export const keyLifecycleFields = {
  /** active (default), retiring (still signs, reported as retiring) or revoked. */
  state: z.enum(LIFECYCLE_STATES).default('active'),
  /** With state revoked: the instant from which the key signs nothing (default: always). */
  revoked_at: instantSchema.optional(),
  /** The key signs nothing before this instant. */
  not_before: instantSchema.optional(),
  /** The key signs nothing from this instant on. */
  not_after: instantSchema.optional(),
};

/** `revoked_at` of a profile. */
export const profileLifecycleFields = {
  /** With state revoked: the instant from which the profile signs nothing (default: always). */
  revoked_at: instantSchema.optional(),
};

interface LifecycleEntry {
  state?: LifecycleState;
  revoked_at?: string;
  not_before?: string;
  not_after?: string;
}

/** Adds issues for lifecycle settings that contradict each other. */
export function checkLifecycle(entry: LifecycleEntry, ctx: z.RefinementCtx): void {
  if (entry.revoked_at !== undefined && entry.state !== 'revoked') {
    ctx.addIssue({ code: 'custom', path: ['revoked_at'], message: 'needs state: revoked (or leave revoked_at out)' });
  }
  if (entry.not_before !== undefined && entry.not_after !== undefined && Date.parse(entry.not_before) >= Date.parse(entry.not_after)) {
    ctx.addIssue({ code: 'custom', path: ['not_after'], message: 'must be after not_before' });
  }
}

/** A key's or profile's validated lifecycle, times in epoch milliseconds. */
export interface LifecycleConfig {
  readonly state: LifecycleState;
  /** With state revoked: from when; undefined means since always. */
  readonly revokedAt?: number;
  readonly notBefore?: number;
  readonly notAfter?: number;
}

/** The lifecycle of a validated entry. */
export function toLifecycleConfig(entry: LifecycleEntry): LifecycleConfig {
  const ms = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));
  const revokedAt = ms(entry.revoked_at);
  const notBefore = ms(entry.not_before);
  const notAfter = ms(entry.not_after);
  return {
    state: entry.state ?? 'active',
    ...(revokedAt !== undefined ? { revokedAt } : {}),
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(notAfter !== undefined ? { notAfter } : {}),
  };
}
