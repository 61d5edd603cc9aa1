import { isIP } from 'node:net';
import { z } from 'zod';
import { invalidConfig, problemsFromZod, settingErrorMap } from './config-error';

/** The environment FleetSign reads settings from (process.env, or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where messages about environment settings say the problem is. */
export const ENV_SOURCE = 'environment';

/** The variable's value with surrounding blanks removed; unset and empty both read as undefined. */
export function readEnv(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Parses the variables named in `names` (field -> variable) with `schema`; a failure is
 * FleetSignError(InvalidConfig) naming the variable, e.g. `environment: FLEETSIGN_GATEWAY_PORT: ...`.
 */
export function parseEnvSettings<S extends z.ZodType>(
  schema: S,
  names: Readonly<Record<string, string>>,
  env: Env,
): z.output<S> {
  const input = Object.fromEntries(Object.entries(names).map(([field, name]) => [field, readEnv(env, name)]));
  const result = schema.safeParse(input, { error: settingErrorMap });
  if (result.success) return result.data;
  const nameOf = (path: readonly PropertyKey[]) => names[String(path[0])] ?? String(path[0]);
  throw invalidConfig(ENV_SOURCE, problemsFromZod(result.error, nameOf));
}

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses '1048576', '16MiB', '1.5 MB' into bytes; undefined when the text is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? BYTE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A size in bytes from `min` to `max`, written as bytes or with a unit (KiB, MiB, GiB, KB, MB, GB). */
export function byteSize(min: number, max: number) {
  return z
    .string()
    .transform((text, ctx) => {
      const bytes = parseByteSize(text);
      if (bytes === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a size in bytes such as 1048576 or 16MiB, found '${text}'`,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .pipe(z.number().min(min, `must be at least ${min} bytes`).max(max, `must be at most ${max} bytes`));
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** true/false (also 1/0, yes/no, on/off). */
export function flag() {
  return z.string().transform((text, ctx) => {
    const word = text.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false, found '${text}'` });
    return z.NEVER;
  });
}

/** An http(s) URL, returned without a trailing slash so paths can be appended. */
export function httpUrl() {
  return z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .transform((url) => url.replace(/\/+$/, ''));
}

/** A host to bind or reach: an IP address or a DNS name. */
export function hostName() {
  return z
    .string()
    .refine(
      (host) =>
        isIP(host) !== 0 ||
        /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host),
      {
        message: 'must be an IP address or a host name',
      },
    );
}

/** A comma- or blank-separated list; an unset variable is an empty list. */
export function list() {
  return z.string().transform((text) => text.split(/[\s,]+/).filter(Boolean));
}
