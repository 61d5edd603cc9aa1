import { isIP } from 'node:net';
import { WEBHOOK_JOB_ATTEMPTS } from '@fleetsign/queue/job-options';
import { z } from 'zod';
import { type Env, list, parseEnvSettings, wholeNumber } from './env-settings';

/**
 * Private webhook targets an operator allows on purpose (e.g. an in-cluster receiver);
 * every other private, loopback or link-local target is refused.
 */
export interface PrivateTargetAllowList {
  /** Networks as 'address/prefix' (a bare address becomes /32 or /128). */
  cidrs: readonly string[];
  /** Host names, lower case, matched exactly. */
  hosts: readonly string[];
}

/** Webhook delivery settings. */
export interface NotifierConfig {
  /** Time allowed for one delivery attempt (connect + response). */
  timeoutMs: number;
  /** Delivery attempts per event before it is marked failed. */
  attempts: number;
  allowPrivateTargets: PrivateTargetAllowList;
}

export const NOTIFIER_ENV = {
  timeoutMs: 'FLEETSIGN_WEBHOOK_TIMEOUT_MS',
  attempts: 'FLEETSIGN_WEBHOOK_ATTEMPTS',
  allowPrivateTargets: 'FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS',
} as const;

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Normalises one allow-list entry, or returns undefined when it is neither a network nor a host name. */
function parseTarget(entry: string): { cidr: string } | { host: string } | undefined {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family && extra === undefined) {
    const maxPrefix = family === 4 ? 32 : 128;
    if (prefix === undefined) return { cidr: `${address}/${maxPrefix}` };
    if (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix)
      return { cidr: `${address}/${Number(prefix)}` };
    return undefined;
  }
  const host = entry.toLowerCase();
  return prefix === undefined && HOST_NAME.test(host) ? { host } : undefined;
}

const allowListSchema = list()
  .default([])
  .transform((entries, ctx): PrivateTargetAllowList => {
    const cidrs: string[] = [];
    const hosts: string[] = [];
    for (const entry of entries) {
      const target = parseTarget(entry);
      if (!target)
        ctx.addIssue({
          code: 'custom',
          message: `'${entry}' is neither a network (10.0.0.0/8, fd00::/8), an IP address nor a host name`,
        });
      else if ('cidr' in target) cidrs.push(target.cidr);
      else hosts.push(target.host);
    }
    return { cidrs, hosts };
  });

const notifierSchema = z.object({
  timeoutMs: wholeNumber(100, 120_000).default(10_000),
  // By default the notifier allows every attempt the webhook queue gives a job.
  attempts: wholeNumber(1, 50).default(WEBHOOK_JOB_ATTEMPTS),
  allowPrivateTargets: allowListSchema,
});

/**
 * Notifier settings from FLEETSIGN_WEBHOOK_TIMEOUT_MS (10000), FLEETSIGN_WEBHOOK_ATTEMPTS (the webhook queue's attempts, 10)
 * and FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS (comma-separated CIDRs, addresses or host names; empty).
 */
export function loadNotifierConfig(env: Env = process.env): NotifierConfig {
  return parseEnvSettings(notifierSchema, NOTIFIER_ENV, env);
}
