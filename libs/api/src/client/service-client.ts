import type { z } from 'zod';
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

/** One JSON request; `schema` checks (and types) the answer. */
export interface JsonRequest<S extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST';
  /** Path under the base URL, with its query string, e.g. `/v1/jobs/job_1`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again after a failure without an answer (GETs, POSTs with an Idempotency-Key). */
  idempotent?: boolean;
  /** The answer's schema from @fleetsign/api: an answer that does not match it is an error, not a half-read value. */
  schema: S;
  /** Send without the API key (health probes). */
  anonymous?: boolean;
}

/**
 * JSON over HTTP to the FleetSign gateway: bearer auth, problem+json errors as
 * ServiceError, retries when safe, answers checked against their schema.
 */
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
  request<S extends z.ZodType>(request: JsonRequest<S>): Promise<z.output<S>> {
    const send = () => this.send(request);
    if (!request.idempotent) return send();
    return withRetry(send, {
      retryable: (err) => err instanceof ServiceError && err.transient,
      policy: this.options.retry ?? DEFAULT_RETRY,
      signal: this.options.signal,
    });
  }

  private async send<S extends z.ZodType>(request: JsonRequest<S>): Promise<z.output<S>> {
    const what = `${request.method} ${request.path.replace(/\?.*$/, '')}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...request.headers,
    };
    if (!request.anonymous) headers.authorization = `Bearer ${this.options.apiKey}`;
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
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ServiceError(`${what}: HTTP ${response.status} with a body that is not JSON`, response.status);
    }
    const parsed = request.schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'body';
      // Not transient: the same gateway sends the same shape again. A client older than the gateway sees this.
      throw new ServiceError(
        `${what}: the answer does not match the FleetSign API (${where}: ${issue?.message ?? 'invalid'})`,
        response.status,
        undefined,
        { contractViolation: true },
      );
    }
    return parsed.data;
  }

  private requestSignal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    return this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
  }
}
