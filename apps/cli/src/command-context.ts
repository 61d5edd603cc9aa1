import type { Command } from 'commander';

/** Where the CLI writes; tests pass their own to capture output in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Asks for a secret (an HSM PIN) without echoing it. Default: the terminal, refused when stdin is not a TTY. */
  promptSecret?(prompt: string): Promise<string>;
}

/** What every subcommand receives: output, environment, and secrets to keep out of messages. */
export interface CommandContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  /** Values (PINs) that must never appear in any output; error messages are scrubbed of them. */
  readonly secrets: Set<string>;
  /** Writes one line to stdout. */
  print(line: string): void;
}

/** Adds one subcommand (with its aliases and options) to the program. */
export type CommandRegistration = (program: Command, context: CommandContext) => void;

/** Builds the context for one CLI run. */
export function createCommandContext(io: CliIo, env: NodeJS.ProcessEnv = process.env): CommandContext {
  return {
    io,
    env,
    secrets: new Set<string>(),
    print: (line) => io.stdout(`${line}\n`),
  };
}
