/** Body of POST /v1/jobs as the benchmark sends it. */
export interface SubmitJobRequest {
  profile: string;
  source: { key: string; sha256?: string };
  webhook?: { url: string };
  metadata?: Record<string, string>;
}

/** A client of the gateway's HTTP API with the benchmark's API key. */
export class GatewayClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiToken: string,
  ) {}

  /** POST /v1/jobs; returns the job id, throws with the problem body on any answer but 202. */
  async submitJob(request: SubmitJobRequest): Promise<string> {
    const response = await fetch(`${this.baseUrl}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const text = await response.text();
    if (response.status !== 202)
      throw new Error(`POST /v1/jobs answered ${response.status}: ${text.slice(0, 300)}`);
    const id = (JSON.parse(text) as { id?: unknown }).id;
    if (typeof id !== 'string')
      throw new Error(`POST /v1/jobs answered without a job id: ${text.slice(0, 300)}`);
    return id;
  }
}
