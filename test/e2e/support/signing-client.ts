import { createHash, randomUUID } from 'node:crypto';
import { pollUntil } from '@fleetsign/devstack';
import type { JobView, ProfilePublicKeys } from '@fleetsign/api';

// What a CI job or OTA backend does against the gateway, over HTTP only: presigned
// upload, job submission, polling, public keys, download. Unexpected answers throw with
// the status and body so a failing spec says what the gateway said.

/** How long a spec waits for a job to reach a final state. */
export const JOB_WAIT_MS = 20_000;

export type { JobView, ProfilePublicKeys };

/** A job as `GET /v1/jobs/:id` reports it once succeeded (result present). */
export type SucceededJob = JobView & { state: 'succeeded'; result: NonNullable<JobView['result']> };

async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${res.status}: ${await res.text()}`);
  return res;
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A client of one gateway with one API token. */
export class SigningClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** fetch against the gateway with the bearer token; `json` becomes the body. */
  api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const { json, headers, ...rest } = init;
    const all = new Headers(headers);
    all.set('authorization', `Bearer ${this.token}`);
    if (json !== undefined) all.set('content-type', 'application/json');
    return fetch(`${this.baseUrl}${path}`, { ...rest, headers: all, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  }

  /** POST /v1/uploads with the image's size and digest, then PUT the bytes to the presigned URL; returns the upload. */
  async upload(image: Buffer): Promise<{ key: string; uploadUrl: string }> {
    const res = await this.api('/v1/uploads', { method: 'POST', json: { contentLength: image.length, sha256: sha256Hex(image) } });
    const intent = (await (await expectStatus(res, 201, 'POST /v1/uploads')).json()) as {
      key: string;
      uploadUrl: string;
      headers: Record<string, string>;
    };
    const put = await fetch(intent.uploadUrl, { method: 'PUT', headers: intent.headers, body: image });
    if (!put.ok) throw new Error(`PUT to the presigned upload URL: HTTP ${put.status}: ${await put.text()}`);
    return { key: intent.key, uploadUrl: intent.uploadUrl };
  }

  /** POST /v1/jobs (with a fresh Idempotency-Key); returns the job id. */
  async submit(profile: string, sourceKey: string, webhookUrl?: string): Promise<string> {
    const res = await this.api('/v1/jobs', {
      method: 'POST',
      headers: { 'idempotency-key': randomUUID() },
      json: { profile, source: { key: sourceKey }, ...(webhookUrl ? { webhook: { url: webhookUrl } } : {}) },
    });
    return ((await (await expectStatus(res, 202, 'POST /v1/jobs')).json()) as { id: string }).id;
  }

  /** GET /v1/jobs/:id. */
  async job(id: string): Promise<JobView> {
    return (await (await expectStatus(await this.api(`/v1/jobs/${id}`), 200, `GET /v1/jobs/${id}`)).json()) as JobView;
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
  async publicKeys(profile: string): Promise<ProfilePublicKeys> {
    const res = await this.api(`/v1/profiles/${profile}/public-keys`);
    return (await (await expectStatus(res, 200, `GET /v1/profiles/${profile}/public-keys`)).json()) as ProfilePublicKeys;
  }
}

/** True once a job succeeded or failed for good. */
export function isFinal(view: JobView): boolean {
  return view.state === 'succeeded' || view.state === 'failed';
}

/** GET of a presigned download URL, without the API token (the URL is the grant). */
export async function download(url: string): Promise<Buffer> {
  const res = await expectStatus(await fetch(url), 200, 'GET of the presigned download URL');
  return Buffer.from(await res.arrayBuffer());
}
