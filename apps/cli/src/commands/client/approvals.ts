import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { Command } from 'commander';
import type { CommandRegistration } from '../../command-context';
import { EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import type { ApprovalListEntry } from '@fleetsign/api';
import { runClientCommand } from '../../client/run-client-command';
import { withConnectionOptions } from './client-options';
import { approvalLines } from './job-lines';

/** Parsed options of the approvals subcommands. */
export interface ApprovalsFlags extends ConnectionFlags {
  json?: boolean;
  comment?: string;
}

const ID_PATTERN = /^(job|batch)_[A-Za-z0-9_-]{1,200}$/;

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new FleetSignError(ErrorCode.InvalidArgument, `"${id}" is not a job id (job_…) or a batch id (batch_…)`);
  return id;
}

/** One line per pending approval. */
export function approvalListLine(entry: ApprovalListEntry): string {
  const what = entry.subject === 'batch' ? `batch of ${entry.total ?? '?'} items` : 'job';
  const decide = entry.mayDecide ? '' : ' (you may not decide)';
  return `${entry.id}  ${what}, profile ${entry.profile}, requested by ${entry.requester}, ${entry.approval.approved}/${entry.approval.required} approvals, expires ${entry.approval.expiresAt}${decide}`;
}

/**
 * `approvals list|show|approve|reject`: dual control from the command line. Approving
 * needs an approver's API key (never the requester's); each approver counts once.
 */
export function approvalsCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const approvals = program.command('approvals').description('List, show, approve or reject jobs and batches awaiting approval (dual control).');
    const sub = (name: string, description: string, args: string[], body: (session: ClientSession, flags: ApprovalsFlags, ...rest: string[]) => Promise<number>, extra?: (c: Command) => Command) => {
      let command = approvals.command(name).description(description).option('--json', "print the service's answer as JSON");
      for (const arg of args) command = command.argument(arg);
      if (extra) command = extra(command);
      withConnectionOptions(command).action((...all: unknown[]) => {
        const rest = all.slice(0, args.length) as string[];
        const flags = all[args.length] as ApprovalsFlags;
        return runClientCommand(context, runtime, (call) => body(openSession(flags, context, runtime, call), flags, ...rest));
      });
    };
    sub('list', 'pending approvals of your tenant, soonest expiry first', [], async (session, flags) => {
      const { approvals: entries } = await session.api.listApprovals();
      if (flags.json) session.print(JSON.stringify(entries, null, 2));
      else if (entries.length === 0) session.print('No approvals pending.');
      else for (const entry of entries) session.print(approvalListLine(entry));
      return EXIT_OK;
    });
    sub('show', 'the approval of a job or batch, with every decision', ['<id>'], async (session, flags, id) => {
      const entry = await session.api.getApproval(checkId(id));
      if (flags.json) session.print(JSON.stringify(entry, null, 2));
      else {
        session.print(`${entry.subject === 'batch' ? 'Batch' : 'Job'} ${entry.id} (profile ${entry.profile}), requested by ${entry.requester} at ${entry.createdAt}`);
        for (const line of approvalLines(entry.approval)) session.print(line);
      }
      return EXIT_OK;
    });
    for (const decision of ['approve', 'reject'] as const) {
      sub(
        decision,
        `${decision} a job or batch (one decision per approver; a batch is decided as a whole)`,
        ['<id>'],
        async (session, flags, id) => {
          const outcome = await session.api.decide(checkId(id), decision, flags.comment);
          if (flags.json) session.print(JSON.stringify(outcome, null, 2));
          else {
            session.print(`${decision === 'approve' ? 'Approved' : 'Rejected'} ${outcome.id}`);
            for (const line of approvalLines(outcome.approval)) session.print(line);
          }
          return EXIT_OK;
        },
        (c) => c.option('--comment <text>', 'why (recorded with the decision and in the transparency log)'),
      );
    }
  };
}
