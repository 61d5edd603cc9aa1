import type { CommandRegistration } from '../../command-context';
import type { ClientRuntime } from '../../client/client-runtime';
import { adminCommand } from './admin';
import { approvalsCommand } from './approvals';
import { batchCommand } from './batch';
import { publicKeysCommand } from './public-keys';
import { signaturesCommand } from './signatures-status';
import { statusCommand } from './status';
import { submitCommand } from './submit';

export type { ClientEvent, ClientRuntime } from '../../client/client-runtime';

/**
 * The FleetSign service-client subcommands (submit, batch, status, public-keys, admin), in help
 * order, bound to a runtime; tests pass one with an AbortSignal and plain progress.
 */
export function createClientCommands(runtime: ClientRuntime = {}): CommandRegistration[] {
  return [
    submitCommand(runtime),
    batchCommand(runtime),
    statusCommand(runtime),
    publicKeysCommand(runtime),
    approvalsCommand(runtime),
    adminCommand(runtime),
    signaturesCommand(runtime),
  ];
}

/** The service-client subcommands as the `fleetsign` binary runs them (Ctrl-C aborts cleanly). */
export const CLIENT_COMMANDS: readonly CommandRegistration[] = createClientCommands();
