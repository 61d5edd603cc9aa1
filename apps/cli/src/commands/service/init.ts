import { type Command, Option } from 'commander';
import type { CommandContext } from '../../command-context';
import { initInstallation } from '../../install/init-installation';
import { DEFAULT_INSTALL_DIR, DEFAULT_SERVE_PORT } from '../../install/install-layout';
import { integerIn } from '../client/client-options';

/** Parsed options of `fleetsign init`. */
interface InitFlags {
  dir: string;
  hsmConfig?: string;
  port?: number;
}

/** `fleetsign init [--dir DIR] [--hsm-config cfg.ini]`: a local installation that `fleetsign serve` runs. */
export function registerInit(program: Command, context: CommandContext): void {
  program
    .command('init')
    .description('Create a local FleetSign installation (token, keys, configuration, API key) for fleetsign serve.')
    .addOption(new Option('--dir <dir>', 'installation folder (must be new or empty)').default(DEFAULT_INSTALL_DIR))
    .addOption(new Option('--hsm-config <cfg.ini>', "sign with your own PKCS#11 key (espsecure's INI) instead of a new SoftHSM2 token"))
    .addOption(
      new Option('--port <n>', `gateway port the installation serves on (default ${DEFAULT_SERVE_PORT})`).argParser(
        integerIn(1, 65535),
      ),
    )
    .action(async (flags: InitFlags) => {
      const result = await initInstallation(flags, context);
      const { layout } = result;
      context.print(`FleetSign installation created in ${layout.dir}`);
      context.print(`  token: ${result.token}`);
      for (const profile of result.profiles) {
        context.print(`  profile ${profile.name}: ${profile.scheme} for ${profile.allowedChips?.join(', ')}`);
      }
      context.print(`  configuration ${layout.configFile}; secrets (mode 0600) in ${layout.secretsDir}`);
      context.print(`  client settings (URL ${result.url} and API key, mode 0600): ${layout.clientEnvFile}`);
      context.print(`next: fleetsign serve --dir ${layout.dir}`);
    });
}
