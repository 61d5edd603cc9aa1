import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** True when a path segment has wildcard characters (`*`, `?`, `[`). */
export function hasWildcards(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/**
 * Compiles a shell-style file-name pattern: `*` (any run of characters), `?` (one
 * character), `[abc]`, `[a-z]`, `[!abc]`; `\` quotes the next character. Like a shell,
 * wildcards do not match a leading `.` (hidden files).
 */
export function compileNamePattern(pattern: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]);
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new FleetSignError(ErrorCode.InvalidArgument, `unclosed "[" in the pattern "${pattern}"`);
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else source += escapeRegExp(char);
  }
  const regex = new RegExp(`^${source}$`);
  const literalDot = pattern.startsWith('.');
  return (name) => (literalDot || !name.startsWith('.')) && regex.test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
