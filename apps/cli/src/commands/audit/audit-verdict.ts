import type { CommandContext } from '../../command-context';
import { ClientExit, EXIT_ITEMS_FAILED } from '../../client/client-exit';

/** Exit code when the log (or a proof) does not verify. */
export const EXIT_NOT_VERIFIED = EXIT_ITEMS_FAILED;

/** Prints one line on stderr and ends the command with exit code 1. */
export function notVerified(context: CommandContext, reason: string): never {
  context.io.stderr(`audit: ${reason}\n`);
  throw new ClientExit(EXIT_NOT_VERIFIED);
}
