import { createHash, randomUUID } from 'node:crypto';
import { FleetSignApi, type JobView, type ProfilePublicKeys, fetchBytes, uploadBytes } from '@fleetsign/api';
import { pollUntil } from '@fleetsign/devstack';

// What a CI job or OTA backend does against the gateway, over HTTP only, with the one
// FleetSign client (@fleetsign/api): presigned upload, job submission, polling, public
// keys, download. A failed call throws the client's one-line ServiceError (status, code,
// detail), so a failing spec says what the gateway said.

/** How long a spec waits for a job to reach a final state. */
export const JOB_WAIT_MS = 20_000;

/** Largest signed image a spec downloads. */
const DOWNLOAD_MAX_BYTES = 64 * 1024 * 1024;

export type { JobView, ProfilePublicKeys };

/** A job as `GET /v1/jobs/:id` reports it once succeeded (result present). */
export type SucceededJob = JobView & { state: 'succeeded'; result: NonNullable<JobView['result']> };

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A client of one gateway with one API token. */
export class SigningClient {
  /** The typed API client the helpers below use; specs may call it directly. */
  readonly fleetsign: FleetSignApi;

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {
    // Specs see a failure at once rather than after the client's retries.
    this.fleetsign = new FleetSignApi({ baseUrl, apiKey: token, retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 } });
  }

  /** Raw fetch against the gateway with the bearer token, for specs that assert on the HTTP answer itself. */
  api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const { json, headers, ...rest } = init;
    const all = new Headers(headers);
    all.set('authorization', `Bearer ${this.token}`);
    if (json !== undefined) all.set('content-type', 'application/json');
    return fetch(`${this.baseUrl}${path}`, { ...rest, headers: all, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  }

  /** POST /v1/uploads with the image's size and digest, then PUT the bytes to the presigned URL; returns the upload. */
  async upload(image: Buffer): Promise<{ key: string; uploadUrl: string }> {
    const grant = await this.fleetsign.createUpload(image.length, sha256Hex(image));
    await uploadBytes(grant, image);
    return { key: grant.key, uploadUrl: grant.uploadUrl };
  }

  /** POST /v1/jobs (with a fresh Idempotency-Key); returns the job id. */
  async submit(profile: string, sourceKey: string, webhookUrl?: string): Promise<string> {
    const accepted = await this.fleetsign.createJob(
      { profile, source: { key: sourceKey }, ...(webhookUrl ? { webhook: { url: webhookUrl } } : {}) },
      randomUUID(),
    );
    return accepted.id;
  }

  /** GET /v1/jobs/:id. */
  job(id: string): Promise<JobView> {
    return this.fleetsign.getJob(id);
  }

  /** Polls GET /v1/jobs/:id (bounded) until `done` holds; returns that view. */
  waitForJob(id: string, done: (view: JobView) => boolean = isFinal, timeoutMs = JOB_WAIT_MS): Promise<JobView> {
    return pollUntil(
      async () => {
        const view = await this.job(id);
        return done(view) ? view : undefined;
      },
      { timeoutMs, intervalMs: 50, description: `job ${id} via GET /v1/jobs/${id}` },
    );
  }

  /** Waits for the job to finish and requires success; the failure's code and message otherwise. */
  async waitForSuccess(id: string, timeoutMs = JOB_WAIT_MS): Promise<SucceededJob> {
    const view = await this.waitForJob(id, isFinal, timeoutMs);
    if (view.state !== 'succeeded' || !view.result) throw new Error(`job ${id} ${view.state}: ${JSON.stringify(view.error)}`);
    return view as SucceededJob;
  }

  /** GET /v1/profiles/:name/public-keys. */
  publicKeys(profile: string): Promise<ProfilePublicKeys> {
    return this.fleetsign.profilePublicKeys(profile);
  }
}

/** True once a job succeeded or failed for good. */
export function isFinal(view: JobView): boolean {
  return view.state === 'succeeded' || view.state === 'failed';
}

/** GET of a presigned download URL, without the API token (the URL is the grant). */
export function download(url: string): Promise<Buffer> {
  return fetchBytes(url, DOWNLOAD_MAX_BYTES);
}
