/** Body of POST /v1/jobs as the benchmark sends it. */
export interface SubmitJobRequest {
  profile: string;
  source: { key: string; sha256?: string };
  webhook?: { url: string };
  metadata?: Record<string, string>;
}

/** Body of POST /v1/batches as the benchmark sends it. */
export interface CreateBatchRequest {
  profile: string;
  items: Array<{ source: { key: string; sha256?: string }; name?: string }>;
  webhook?: { url: string };
  metadata?: Record<string, string>;
}

/** The parts of GET /v1/jobs/:id the benchmark reads. */
export interface JobView {
  id: string;
  state: 'queued' | 'active' | 'succeeded' | 'failed';
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  error?: { code: string; message: string };
  result?: {
    reused?: boolean;
    timings: { fetchMs: number; signMs: number; storeMs: number; totalMs: number };
  };
}

/** The parts of GET /v1/batches/:id the benchmark reads. */
export interface BatchView {
  id: string;
  state: 'queued' | 'running' | 'completed';
  total: number;
  counts: { queued: number; active: number; succeeded: number; failed: number };
  createdAt: string;
  finishedAt?: string;
  manifest?: { key: string; downloadUrl: string };
  webhook?: { state: string; attempts: number; lastError?: string };
}

/** A client of the gateway's HTTP API with the benchmark's API key. */
export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiToken: string,
  ) {}

  /** POST /v1/jobs; returns the job id, throws with the problem body on any answer but 202. */
  async submitJob(request: SubmitJobRequest): Promise<string> {
    return (await this.send<{ id?: unknown }>('POST', '/v1/jobs', 202, request)).id as string;
  }

  /** POST /v1/batches; returns the batch id, throws with the problem body on any answer but 202. */
  async createBatch(request: CreateBatchRequest): Promise<string> {
    return (await this.send<{ id?: unknown }>('POST', '/v1/batches', 202, request)).id as string;
  }

  /** GET /v1/jobs/:id. */
  getJob(id: string): Promise<JobView> {
    return this.send<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`, 200);
  }

  /** GET /v1/batches/:id. */
  getBatch(id: string): Promise<BatchView> {
    return this.send<BatchView>('GET', `/v1/batches/${encodeURIComponent(id)}`, 200);
  }

  /** GET of a presigned URL (e.g. a manifest's downloadUrl) as JSON, without the API key. */
  async download<T>(url: string): Promise<T> {
    const response = await fetch(url);
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`GET ${new URL(url).pathname} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  private async send<T>(method: 'GET' | 'POST', path: string, expected: number, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status !== expected)
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    const parsed = JSON.parse(text) as T & { id?: unknown };
    if (method === 'POST' && typeof parsed.id !== 'string')
      throw new Error(`${method} ${path} answered without an id: ${text.slice(0, 300)}`);
    return parsed;
  }
}
