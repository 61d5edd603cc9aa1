import type { CommandRegistration } from '../../command-context';
import { formatBatchReport } from '../../client/batch/batch-report';
import { BATCH_STATE_FILE } from '../../client/batch/batch-state';
import { runBatch } from '../../client/batch/run-batch';
import { EXIT_ITEMS_FAILED, EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import { runClientCommand } from '../../client/run-client-command';
import { integerIn, timeoutOption, withConnectionOptions } from './client-options';

/** Parsed options of `batch`. */
export interface BatchFlags extends ConnectionFlags {
  profile: string;
  out: string;
  concurrency: number;
  fresh?: boolean;
  recursive?: boolean;
  json?: boolean;
  /** Seconds. */
  timeout: number;
}

/** Default parallel uploads and downloads. */
export const BATCH_CONCURRENCY = 8;
/** Default longest wait for a batch to be signed: 1 hour. */
export const BATCH_TIMEOUT_SEC = 3600;

/** `batch DIR|GLOB --profile P --out DIR`: many images as one batch, resumable. */
export function batchCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const command = program
      .command('batch')
      .summary('Sign a folder of images as one resumable batch and download the signed images.')
      .description(
        'Sign every *.bin image of a folder (or the files a pattern such as "fw/*.bin" names) as one batch and ' +
          `download the signed images and manifest.json into --out. Re-running the same command resumes (${BATCH_STATE_FILE}).`,
      )
      .argument('<source>', 'folder of images, or a pattern in the last path segment (quote it)')
      .requiredOption('-p, --profile <name>', 'signing profile')
      .requiredOption('-o, --out <dir>', 'folder for the signed images, manifest.json and the resume record')
      .option('--concurrency <n>', 'parallel uploads and downloads', integerIn(1, 64), BATCH_CONCURRENCY)
      .option('--recursive', 'also take images from sub-folders (names keep their relative path)')
      .option('--fresh', 'sign again even images the service has already signed with this profile')
      .option('--json', 'print the summary as JSON')
      .addOption(timeoutOption(BATCH_TIMEOUT_SEC));
    withConnectionOptions(command).action((source: string, flags: BatchFlags) =>
      runClientCommand(context, runtime, (call) => batch(source, flags, openSession(flags, context, runtime, call)), {
        interruptHint: '; run the same command again to resume',
      }),
    );
  };
}

/** Runs the batch and prints the summary; exit 1 when some images failed to sign. */
export async function batch(source: string, flags: BatchFlags, session: ClientSession): Promise<number> {
  const report = await runBatch(
    {
      source,
      profile: flags.profile,
      outDir: flags.out,
      concurrency: flags.concurrency,
      fresh: flags.fresh ?? false,
      recursive: flags.recursive ?? false,
      timeoutMs: flags.timeout * 1000,
    },
    {
      api: session.api,
      server: session.connection.baseUrl,
      apiKey: session.connection.apiKey,
      signal: session.signal,
      progress: session.progress,
      warn: session.warn,
      onEvent: session.runtime.onEvent,
      pollBackoff: session.runtime.pollBackoff,
    },
  );
  if (flags.json) session.print(JSON.stringify(report, null, 2));
  else for (const line of formatBatchReport(report)) session.print(line);
  return report.failed > 0 ? EXIT_ITEMS_FAILED : EXIT_OK;
}
