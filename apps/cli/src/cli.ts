import { Command, CommanderError } from 'commander';
import { createCommandContext, type CliIo, type CommandRegistration } from './command-context';
import { FLEETSIGN_COMMANDS } from './commands';
import { normaliseArgv } from './argv/normalise-argv';
import { FATAL_EXIT_CODE, formatFatalError } from './errors/format-fatal-error';
import { ClientExit } from './client/client-exit';

/** Environment variable that adds stack traces to fatal errors. */
export const DEBUG_ENV = 'FLEETSIGN_DEBUG';

const PROCESS_IO: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * Runs the `fleetsign` command line in-process and returns its exit code: 0 on success,
 * 2 for bad usage (commander's message) or a failure (one `A fatal error occurred: ...`
 * line on stderr). Never calls process.exit.
 */
export async function runCli(
  argv: string[],
  io: CliIo = PROCESS_IO,
  commands: readonly CommandRegistration[] = FLEETSIGN_COMMANDS,
): Promise<number> {
  const context = createCommandContext(io);
  const program = new Command('fleetsign')
    .description(
      'FleetSign: ESP32 Secure Boot signing, compatible with espsecure (dash or underscore spellings).',
    )
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  for (const register of commands) register(program, context);

  try {
    await program.parseAsync(normaliseArgv(argv), { from: 'user' });
    return 0;
  } catch (err) {
    // A service-client command has printed its own line; its code (1: some images failed) stands.
    if (err instanceof ClientExit) return err.exitCode;
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : FATAL_EXIT_CODE;
    io.stderr(
      `${formatFatalError(err, { debug: context.env[DEBUG_ENV] === '1', secrets: context.secrets })}\n`,
    );
    return FATAL_EXIT_CODE;
  }
}
