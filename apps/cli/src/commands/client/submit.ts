import { Option } from 'commander';
import type { CommandRegistration } from '../../command-context';
import { EXIT_ITEMS_FAILED, EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import { type JobView, downloadFile, uploadFile } from '@fleetsign/api';
import { sha256OfFile } from '../../client/io/file-digest';
import { pollUntil } from '../../client/poll';
import { runClientCommand } from '../../client/run-client-command';
import { assertOutputIsNotInput } from '../common-options';
import { withConnectionOptions, timeoutOption } from './client-options';
import { jobLines } from './job-lines';

/** Parsed options of `submit`. */
export interface SubmitFlags extends ConnectionFlags {
  profile: string;
  wait?: boolean;
  out?: string;
  webhook?: string;
  fresh?: boolean;
  idempotencyKey?: string;
  json?: boolean;
  /** Seconds. */
  timeout: number;
}

/** Default longest wait of `submit --wait`: 10 minutes. */
export const SUBMIT_TIMEOUT_SEC = 600;

/** `submit FILE --profile P [--wait] [--out signed.bin]`: one image through the service. */
export function submitCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const command = program
      .command('submit')
      .description('Upload one image to the FleetSign service and sign it with a profile (optionally wait and download).')
      .argument('<file>', 'unsigned ESP image')
      .requiredOption('-p, --profile <name>', 'signing profile')
      .option('--wait', 'wait until the job has finished')
      .option('-o, --out <file>', 'write the signed image here (implies --wait)')
      .option('--webhook <url>', 'URL the service notifies when the job finishes')
      .option('--fresh', 'sign again even if the service already signed these bytes with this profile')
      .addOption(new Option('--idempotency-key <key>', 'names the job: repeating the same request returns the same job'))
      .option('--json', 'print the result as JSON')
      .addOption(timeoutOption(SUBMIT_TIMEOUT_SEC));
    withConnectionOptions(command).action((file: string, flags: SubmitFlags) =>
      runClientCommand(context, runtime, (call) => submit(file, flags, openSession(flags, context, runtime, call))),
    );
  };
}

/** Uploads, submits, and with --wait/--out waits for the job and downloads the signed image. */
export async function submit(file: string, flags: SubmitFlags, session: ClientSession): Promise<number> {
  if (flags.out) assertOutputIsNotInput(flags.out, [file]);
  const { api, signal } = session;
  const { sha256, size } = await sha256OfFile(file, signal);
  const grant = await api.createUpload(size, sha256);
  await uploadFile(grant, file, size, signal);
  const accepted = await api.createJob(
    {
      profile: flags.profile,
      source: { key: grant.key, sha256 },
      ...(flags.webhook ? { webhook: { url: flags.webhook } } : {}),
      ...(flags.fresh ? { fresh: true } : {}),
    },
    flags.idempotencyKey,
  );
  if (!flags.wait && !flags.out) {
    if (flags.json) session.print(JSON.stringify({ id: accepted.id, state: accepted.state, imageSha256: sha256 }, null, 2));
    else session.print(`Submitted "${file}" as job ${accepted.id} (profile ${flags.profile}); follow it with: fleetsign status ${accepted.id}`);
    return EXIT_OK;
  }

  const job = await waitForJob(session, accepted.id, flags.timeout * 1000);
  if (job.state === 'failed') {
    if (flags.json) session.print(JSON.stringify(job, null, 2));
    session.warn(`fleetsign: job ${job.id} failed: ${job.error?.code ?? 'INTERNAL'}: ${job.error?.message ?? 'no reason given'}`);
    return EXIT_ITEMS_FAILED;
  }
  const result = job.result;
  if (!result) throw new Error(`the service reported job ${job.id} succeeded without a result`);
  if (flags.out) await downloadFile(result.downloadUrl, flags.out, result.signedSha256, signal);
  if (flags.json) session.print(JSON.stringify({ ...job, ...(flags.out ? { out: flags.out } : {}) }, null, 2));
  else {
    for (const line of jobLines(job)) session.print(line);
    if (flags.out) session.print(`Wrote the signed image to "${flags.out}" (SHA-256 verified)`);
  }
  return EXIT_OK;
}

/** Polls the job (bounded backoff) until it succeeded or failed; PollTimeoutError after `timeoutMs`. */
export function waitForJob(session: ClientSession, id: string, timeoutMs: number): Promise<JobView> {
  return pollUntil(
    () => session.api.getJob(id),
    (job) => job.state === 'succeeded' || job.state === 'failed',
    {
      timeoutMs,
      backoff: session.runtime.pollBackoff,
      signal: session.signal,
      timeoutMessage: (job) =>
        `job ${id} is still ${job.state} after ${Math.round(timeoutMs / 1000)} s; follow it with: fleetsign status ${id}`,
    },
  );
}
