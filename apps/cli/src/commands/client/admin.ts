import { EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import type { ReconcileReport } from '@fleetsign/api';
import { runClientCommand } from '../../client/run-client-command';
import type { CommandRegistration } from '../../command-context';
import { withConnectionOptions } from './client-options';

/** Exit code when the reconcile left intake records it could not read. */
const EXIT_PROBLEMS = 1;

/** Parsed options of `admin reconcile`. */
export interface ReconcileFlags extends ConnectionFlags {
  json?: boolean;
}

/** `admin reconcile`: the service's reconcile step on demand (an API key with the operator scope). */
export function adminCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const admin = program.command('admin').description('Operator actions on a running FleetSign service.');
    const reconcile = admin
      .command('reconcile')
      .description(
        'Re-create job and batch state Redis lost (failover, wipe) from the intake records in the object store; ' +
          'running it again changes nothing. Needs the operator scope.',
      )
      .option('--json', "print the service's report as JSON");
    withConnectionOptions(reconcile).action((flags: ReconcileFlags) =>
      runClientCommand(context, runtime, (call) => runReconcile(flags, openSession(flags, context, runtime, call))),
    );
  };
}

/** Runs the reconcile and prints its report; exit 1 when some intake records could not be read. */
export async function runReconcile(flags: ReconcileFlags, session: ClientSession): Promise<number> {
  const report = await session.api.reconcile();
  if (flags.json) session.print(JSON.stringify(report, null, 2));
  else for (const line of reconcileLines(report)) session.print(line);
  return report.problems.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

/** The report as lines a person reads. */
export function reconcileLines(report: ReconcileReport): string[] {
  const { batches, items, jobs } = report;
  return [
    `Batches: ${batches.seen} accepted; ${batches.restored} re-created, ${batches.resumed} enqueue completed, ` +
      `${batches.intact} intact, ${batches.completedBefore} completed before the loss, ${batches.expired} past retention`,
    `Batch items re-enqueued: ${items.enqueued} (${items.logged} already in the transparency log: answered from it, not signed again)`,
    `Single jobs: ${jobs.seen} accepted; ${jobs.restored} re-created (${jobs.logged} already in the log), ` +
      `${jobs.intact} intact, ${jobs.expired} past retention`,
    ...report.problems.map((problem) => `Unreadable intake record ${problem.key}: ${problem.reason}`),
  ];
}
