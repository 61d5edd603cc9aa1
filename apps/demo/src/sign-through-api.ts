import { type JobView, uploadBytes } from '@fleetsign/api';
import { bounded } from './bounded';
import { DEMO_PROFILE } from './demo-config';
import { DemoError } from './demo-error';
import type { DemoImage } from './demo-image';
import type { DemoPaths } from './demo-paths';
import type { DemoStack } from './demo-stack';
import type { StepTimer } from './step-timer';
import type { VerifiedEvent } from './webhook-receiver';

/** Longest wait for the job's webhook after submitting it. */
export const JOB_TIMEOUT_MS = 60_000;
/** Longest wait for one API call. */
const CALL_TIMEOUT_MS = 30_000;

/** A job that succeeded, with the event that said so. */
export interface SignedJob {
  job: JobView & { result: NonNullable<JobView['result']> };
  event: VerifiedEvent;
}

/**
 * What a client application does: presigned upload of the image, `POST /v1/jobs`
 * with an Idempotency-Key and a webhook, wait for the verified webhook, read the job.
 * DemoError (naming the log that explains it) unless the job succeeded.
 */
export async function signThroughApi(
  stack: DemoStack,
  image: DemoImage,
  runId: string,
  context: { paths: DemoPaths; log: (line: string) => void; timings: StepTimer },
): Promise<SignedJob> {
  const { client, receiver, stop } = stack;
  const { paths, log, timings } = context;
  const call = <T>(work: Promise<T>, description: string) =>
    bounded(work, { timeoutMs: CALL_TIMEOUT_MS, description, stop });

  const source = await timings.time('upload', async () => {
    const upload = await call(client.createUpload(image.bytes.length, image.sha256), 'POST /v1/uploads');
    await call(uploadBytes(upload, image.bytes), 'the presigned upload');
    return upload.key;
  });
  log(`uploaded ${image.bytes.length} bytes to ${source} through a presigned URL`);

  const request = {
    profile: DEMO_PROFILE,
    source: { key: source, sha256: image.sha256 },
    webhook: { url: receiver.url },
    metadata: { origin: 'fleetsign-demo', run: runId },
  };
  const event = await timings.time('sign (submit to webhook)', async () => {
    const submitted = await call(client.createJob(request, `demo-${runId}`), 'POST /v1/jobs');
    log(`job ${submitted.id} ${submitted.state}; waiting for its webhook`);
    return bounded(receiver.eventFor(submitted.id), {
      timeoutMs: JOB_TIMEOUT_MS,
      description: `the webhook of job ${submitted.id}`,
      stop,
    }).catch((err: unknown) => explainMissingWebhook(err, stack, submitted.id, paths));
  });

  const jobId = event.event.data.id;
  const job = await call(client.getJob(jobId), `GET /v1/jobs/${jobId}`);
  if (job.state !== 'succeeded' || !job.result || event.event.data.state !== 'succeeded') {
    const reason = job.error
      ? `${job.error.code}: ${job.error.message}`
      : `job state ${job.state}, event ${event.event.type} with state ${event.event.data.state}`;
    throw new DemoError(`job ${jobId} did not succeed (${reason})`, paths.serviceLog.signer);
  }
  log(`webhook ${event.event.type} ${event.webhookId} verified; job ${jobId} succeeded`);
  return { job: { ...job, result: job.result }, event };
}

/** Turns "no webhook in time" into what went wrong: the job never finished (signer) or was not delivered (notifier). */
async function explainMissingWebhook(
  err: unknown,
  stack: DemoStack,
  jobId: string,
  paths: DemoPaths,
): Promise<never> {
  if (!(err instanceof DemoError) || err.logPath) throw err;
  const job = await stack.client.getJob(jobId).catch(() => undefined);
  if (job && job.state !== 'succeeded' && job.state !== 'failed') {
    throw new DemoError(`${err.message}; the job is still ${job.state}`, paths.serviceLog.signer);
  }
  const refused = stack.receiver.rejections.at(-1);
  const why = refused
    ? `; the receiver refused deliveries: ${refused}`
    : job?.webhook?.lastError
      ? `; ${job.webhook.lastError}`
      : '';
  throw new DemoError(
    `${err.message} (the job is ${job?.state ?? 'unknown'})${why}`,
    paths.serviceLog.notifier,
  );
}
