import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { z } from 'zod';

/** One problem with one setting, before it becomes an error message. */
export interface ConfigProblem {
  /** Where the setting lives, e.g. `profiles[2].keys[0].pin_file` or `FLEETSIGN_GATEWAY_PORT`. */
  setting: string;
  /** What is wrong, as a phrase an operator can act on; never holds a secret value. */
  problem: string;
}

/** Renders a setting path like `profiles[2].keys[0].pin_file`. */
export function formatSettingPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * FleetSignError(InvalidConfig) whose one-line message names the first bad setting,
 * `<source>: <setting>: <problem>`, and counts the others; all are in details.problems.
 */
export function invalidConfig(source: string, problems: readonly ConfigProblem[]): FleetSignError {
  const describe = (p: ConfigProblem) => (p.setting ? `${p.setting}: ${p.problem}` : p.problem);
  const [first, ...rest] = problems;
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return new FleetSignError(ErrorCode.InvalidConfig, `${source}: ${describe(first)}${more}`, {
    source,
    setting: first.setting,
    problems: problems.map(describe),
  });
}

/**
 * Zod's per-parse error map: plain wording for a missing setting, a setting of the
 * wrong type and a value outside a fixed set; other issues keep the schema's message.
 */
export const settingErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_value') {
    if (issue.input === undefined) return 'is required';
    return issue.values.length > 1 ? `must be one of ${issue.values.map(String).join(', ')}` : undefined;
  }
  // A discriminated union reports the whole entry as input and the discriminator's path.
  const union = issue as { options?: unknown[]; discriminator?: string };
  if (issue.code === 'invalid_union' && union.discriminator && Array.isArray(union.options)) {
    const input = issue.input as Record<string, unknown> | undefined;
    if (input?.[union.discriminator] === undefined) return 'is required';
    return `must be one of ${union.options.map(String).join(', ')}`;
  }
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const found =
    issue.input === null ? 'nothing' : Array.isArray(issue.input) ? 'a list' : `a ${typeof issue.input}`;
  const expected =
    issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`;
  return `must be ${expected}, found ${found}`;
};

/** Turns zod issues into problems; `nameOf` maps an issue path to the setting name shown. */
export function problemsFromZod(
  error: z.ZodError,
  nameOf: (path: readonly PropertyKey[]) => string = formatSettingPath,
): ConfigProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const [key, ...others] = issue.keys;
      const also = others.length ? ` (also ${others.map((k) => `'${k}'`).join(', ')})` : '';
      return { setting: nameOf([...issue.path, key]), problem: `unknown setting${also}` };
    }
    return { setting: nameOf(issue.path), problem: issue.message };
  });
}
