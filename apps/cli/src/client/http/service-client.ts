import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry';
import { ServiceError, describeErrorAnswer, displayUrl, networkReason } from './service-error';

/** Longest a single API request may take before it counts as failed (and is retried when safe). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Where the service is and how to authenticate. */
export interface ServiceClientOptions {
  /** Base URL of the gateway, e.g. https://fleetsign.example.com (a path prefix is kept). */
  baseUrl: string;
  /** API key, sent only as a bearer token to `baseUrl` (redirects are refused, so it never travels elsewhere). */
  apiKey: string;
  /** Aborts every request in flight. */
  signal?: AbortSignal;
  requestTimeoutMs?: number;
  retry?: RetryPolicy;
}

/** One JSON request. */
export interface JsonRequest {
  method: 'GET' | 'POST';
  /** Path under the base URL, with its query string, e.g. `/v1/jobs/job_1`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again after a failure without an answer (GETs, POSTs with an Idempotency-Key). */
  idempotent?: boolean;
}

/** JSON over HTTP to the FleetSign gateway: bearer auth, problem+json errors as ServiceError, retries when safe. */
export class ServiceClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ServiceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The base URL as shown in messages. */
  get displayBaseUrl(): string {
    return displayUrl(this.baseUrl);
  }

  /** Sends the request and returns the parsed JSON body of a 2xx answer. */
  request<T>(request: JsonRequest): Promise<T> {
    const send = () => this.send<T>(request);
    if (!request.idempotent) return send();
    return withRetry(send, {
      retryable: (err) => err instanceof ServiceError && err.transient,
      policy: this.options.retry ?? DEFAULT_RETRY,
      signal: this.options.signal,
    });
  }

  private async send<T>(request: JsonRequest): Promise<T> {
    const what = `${request.method} ${request.path.replace(/\?.*$/, '')}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...request.headers,
      authorization: `Bearer ${this.options.apiKey}`,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        redirect: 'error',
        signal: this.requestSignal(),
      });
      text = await response.text();
    } catch (err) {
      if (this.options.signal?.aborted) throw err;
      throw new ServiceError(`${what}: cannot reach ${this.displayBaseUrl}: ${networkReason(err)}`, undefined, undefined, {
        cause: err,
      });
    }
    if (!response.ok) {
      const answer = describeErrorAnswer(response.status, response.statusText, text);
      throw new ServiceError(`${what}: ${answer.text}`, response.status, answer.code);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ServiceError(`${what}: HTTP ${response.status} with a body that is not JSON`, response.status);
    }
  }

  private requestSignal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    return this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
  }
}
