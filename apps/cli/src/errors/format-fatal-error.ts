/** Exit code for `A fatal error occurred` and for bad usage, as espsecure uses. */
export const FATAL_EXIT_CODE = 2;

/**
 * The single stderr line for a failed command: the error's message on one line (a
 * FleetSignError's is written for users; an unexpected error's is shown bare). The stack
 * follows only when `debug` is set. Known secrets become `***` (defence in depth).
 */
export function formatFatalError(
  err: unknown,
  options: { debug?: boolean; secrets?: Iterable<string> } = {},
): string {
  const message = oneLine(err instanceof Error ? err.message : String(err));
  let text = `A fatal error occurred: ${message || (err instanceof Error ? err.name : 'unexpected error')}`;
  if (options.debug && err instanceof Error && err.stack) text += `\n${err.stack}`;
  return redact(text, options.secrets ?? []);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join('***');
  return result;
}
