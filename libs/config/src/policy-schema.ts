import { z } from 'zod';

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
