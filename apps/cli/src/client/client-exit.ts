import { CommanderError } from 'commander';

/** Exit code when everything worked. */
export const EXIT_OK = 0;
/** Exit code when the command ran but some images failed to sign (listed in the output). */
export const EXIT_ITEMS_FAILED = 1;
/** Exit code of a fatal error (the command could not do its work), as for the offline commands. */
export const EXIT_FATAL = 2;

/** Commander error code of {@link ClientExit}. */
export const CLIENT_EXIT_CODE = 'fleetsign.client.exit';

/**
 * Ends a service-client command with a chosen exit code after the command has printed
 * its own message; the runner prints nothing more for it.
 */
export class ClientExit extends CommanderError {
  constructor(exitCode: number) {
    super(exitCode, CLIENT_EXIT_CODE, '');
    this.name = 'ClientExit';
  }
}
