import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { CommandRegistration } from '../../command-context';
import { EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import { runClientCommand } from '../../client/run-client-command';
import { withConnectionOptions } from './client-options';
import { batchLines, jobLines } from './job-lines';

/** Parsed options of `status`. */
export interface StatusFlags extends ConnectionFlags {
  json?: boolean;
}

/** Ids the service hands out: `job_…`, `batch_…` (letters, digits, `_`, `-`). */
const ID_PATTERN = /^(job|batch)_[A-Za-z0-9_-]{1,200}$/;

/** `status ID`: state of a job (`job_…`) or a batch (`batch_…`). */
export function statusCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const command = program
      .command('status')
      .description('Show the state of a job (job_…) or a batch (batch_…) on the FleetSign service.')
      .argument('<id>', 'job or batch id')
      .option('--json', "print the service's answer as JSON");
    withConnectionOptions(command).action((id: string, flags: StatusFlags) =>
      runClientCommand(context, runtime, (call) => status(id, flags, openSession(flags, context, runtime, call))),
    );
  };
}

/** Prints the job's or batch's state; exit 0 whatever that state is. */
export async function status(id: string, flags: StatusFlags, session: ClientSession): Promise<number> {
  const kind = ID_PATTERN.exec(id)?.[1];
  if (!kind) throw new FleetSignError(ErrorCode.InvalidArgument, `"${id}" is not a job id (job_…) or a batch id (batch_…)`);
  if (kind === 'batch') {
    const batch = await session.api.getBatch(id);
    printView(session, flags, batch, batchLines(batch));
  } else {
    const job = await session.api.getJob(id);
    printView(session, flags, job, jobLines(job));
  }
  return EXIT_OK;
}

function printView(session: ClientSession, flags: StatusFlags, view: unknown, lines: string[]): void {
  if (flags.json) session.print(JSON.stringify(view, null, 2));
  else for (const line of lines) session.print(line);
}
