import { DemoError } from './demo-error';

/** Longest one HTTP request of the demo may take. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** `POST /v1/uploads` response (the fields the demo uses). */
export interface PresignedUpload {
  key: string;
  uploadUrl: string;
  method: 'PUT';
  headers: Record<string, string>;
}

/** One key of `GET /v1/profiles/{name}/public-keys`. */
export interface PublishedKey {
  index: number;
  algorithm: string;
  publicKeyPem: string;
  keyDigestSha256: string;
  keyDigestEfuse: string;
}

export interface ProfilePublicKeys {
  profile: string;
  scheme: string;
  publishedAt: string;
  keys: PublishedKey[];
}

/** `GET /v1/jobs/{id}` response (the fields the demo uses). */
export interface JobView {
  id: string;
  state: 'queued' | 'active' | 'succeeded' | 'failed';
  profile: string;
  attempts: number;
  error?: { code: string; message: string };
  result?: {
    imageSha256: string;
    signedSha256: string;
    signedKey: string;
    signedSize: number;
    scheme: string;
    downloadUrl: string;
    blocks: Array<{ index: number; algorithm: string; keyDigest: string }>;
    timings: { fetchMs: number; signMs: number; storeMs: number; totalMs: number };
  };
  webhook?: {
    url: string;
    eventId: string;
    state: 'pending' | 'delivered' | 'failed';
    attempts: number;
    lastError?: string;
  };
}

/** What a job is submitted with. */
export interface JobRequest {
  profile: string;
  source: { key: string; sha256: string };
  webhook: { url: string };
  metadata: Record<string, string>;
}

/** A non-2xx answer of the gateway, with its problem code when it sent one. */
export class GatewayHttpError extends DemoError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON body of a response, or undefined when it is not JSON. */
async function jsonBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The parts of the FleetSign HTTP API the demo calls, as a client application would. */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiToken: string,
  ) {}

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; auth?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth !== false) headers.authorization = `Bearer ${this.apiToken}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await jsonBody(response);
    if (!response.ok) {
      const problem = body as { code?: string; detail?: string } | undefined;
      const detail = problem?.detail ? `: ${[problem.code, problem.detail].filter(Boolean).join(' ')}` : '';
      throw new GatewayHttpError(
        response.status,
        problem?.code,
        `${method} ${path} answered ${response.status}${detail}`,
      );
    }
    return body as T;
  }

  /** True when `GET /readyz` answers 200 (Redis and the object store reachable). */
  async ready(): Promise<boolean> {
    try {
      await this.request('GET', '/readyz', { auth: false });
      return true;
    } catch {
      return false;
    }
  }

  /** The profile's public keys; GatewayHttpError 503 PROFILE_KEYS_UNAVAILABLE until the signer published them. */
  profilePublicKeys(profile: string): Promise<ProfilePublicKeys> {
    return this.request('GET', `/v1/profiles/${encodeURIComponent(profile)}/public-keys`);
  }

  /** Asks for a presigned upload URL for an image of this size and digest. */
  createUpload(contentLength: number, sha256: string): Promise<PresignedUpload> {
    return this.request('POST', '/v1/uploads', { body: { contentLength, sha256 } });
  }

  /** PUTs the bytes to a presigned URL (straight to the object store; no API token). */
  async putPresigned(upload: PresignedUpload, bytes: Buffer): Promise<void> {
    const headers = { 'content-type': 'application/octet-stream', ...upload.headers };
    const response = await fetch(upload.uploadUrl, {
      method: upload.method,
      headers,
      body: bytes,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      const problem = (await jsonBody(response)) as { code?: string; detail?: string } | undefined;
      throw new GatewayHttpError(
        response.status,
        problem?.code,
        `presigned upload answered ${response.status}${problem?.detail ? `: ${problem.detail}` : ''}`,
      );
    }
  }

  /** Submits a sign job; the same Idempotency-Key always names the same job. */
  submitJob(request: JobRequest, idempotencyKey: string): Promise<{ id: string; state: string }> {
    return this.request('POST', '/v1/jobs', {
      body: request,
      headers: { 'idempotency-key': idempotencyKey },
    });
  }

  getJob(id: string): Promise<JobView> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  /** Downloads a presigned URL's bytes. */
  async download(url: string): Promise<Buffer> {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok)
      throw new GatewayHttpError(
        response.status,
        undefined,
        `download of the signed image answered ${response.status}`,
      );
    return Buffer.from(await response.arrayBuffer());
  }
}
