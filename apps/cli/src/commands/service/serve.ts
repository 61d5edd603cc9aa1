import { type Command, Option } from 'commander';
import type { CommandContext } from '../../command-context';
import { DEFAULT_INSTALL_DIR } from '../../install/install-layout';
import { serveInstallation } from '../../install/serve-installation';
import { integerIn } from '../client/client-options';

/** Parsed options of `fleetsign serve`. */
interface ServeFlags {
  dir: string;
  port?: number;
}

/** Runs until SIGINT or SIGTERM; a second signal exits at once (the services die with this process). */
async function untilSignalled(run: (stop: AbortSignal) => Promise<void>, context: CommandContext): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    context.io.stderr(`fleetsign serve: ${signal}: stopping the services...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `fleetsign serve [--dir DIR] [--port N]`: the installation's service in the foreground. */
export function registerServe(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .description('Run the service of a fleetsign init installation in the foreground (Ctrl-C stops it).')
    .addOption(new Option('--dir <dir>', 'installation folder').default(DEFAULT_INSTALL_DIR))
    .addOption(new Option('--port <n>', 'gateway port (recorded in the installation)').argParser(integerIn(1, 65535)))
    .action(async (flags: ServeFlags) => {
      await untilSignalled((stop) => serveInstallation(flags, context, stop), context);
      context.print('fleetsign serve: stopped');
    });
}
