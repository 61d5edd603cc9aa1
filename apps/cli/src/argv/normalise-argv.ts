// A long flag: `--name` or `--name=value`. Only the name part is rewritten.
const LONG_FLAG = /^--([A-Za-z0-9][A-Za-z0-9_-]*)(=[\s\S]*)?$/;

/**
 * Rewrites espsecure v4 underscore flag spellings (`--append_signatures`, `--hsm_config=x`)
 * to the dash form FleetSign declares, so both are accepted. Values, positional
 * arguments, short flags and everything after a `--` terminator are left untouched.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  const result: string[] = [];
  let optionsEnded = false;
  for (const arg of argv) {
    if (optionsEnded) {
      result.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      result.push(arg);
      continue;
    }
    const match = LONG_FLAG.exec(arg);
    result.push(match ? `--${match[1].replace(/_/g, '-')}${match[2] ?? ''}` : arg);
  }
  return result;
}
