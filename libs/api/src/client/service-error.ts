/** A request to the FleetSign service that failed: an HTTP error answer or no answer at all. */
export class ServiceError extends Error {
  constructor(
    message: string,
    /** HTTP status, absent when the service could not be reached. */
    readonly status?: number,
    /** The problem's stable error code (e.g. IDEMPOTENCY_CONFLICT), when the service sent one. */
    readonly code?: string,
    options?: { cause?: unknown; contractViolation?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceError';
    this.contractViolation = options?.contractViolation ?? false;
  }

  /** True when the service answered, but with a body the API's schema refuses. */
  readonly contractViolation: boolean;

  /** True for failures worth retrying: no answer, 408, 429 and 5xx other than 501. */
  get transient(): boolean {
    if (this.contractViolation) return false;
    if (this.status === undefined) return true;
    return this.status === 408 || this.status === 429 || (this.status >= 500 && this.status !== 501);
  }
}

/** True when `err` is a ServiceError with this problem code. */
export function isServiceError(err: unknown, code?: string): err is ServiceError {
  return err instanceof ServiceError && (code === undefined || err.code === code);
}

/** A URL as it may appear in messages: scheme, host and path only (no credentials, no presigned query). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The one-line reason of an error answer: `HTTP <status> <code>: <detail>` from an
 * RFC 9457 problem body, else the status text and the start of the body.
 */
export function describeErrorAnswer(status: number, statusText: string, bodyText: string): { code?: string; text: string } {
  let problem: { code?: unknown; detail?: unknown; title?: unknown } | undefined;
  try {
    const parsed = JSON.parse(bodyText) as unknown;
    if (parsed !== null && typeof parsed === 'object') problem = parsed as typeof problem;
  } catch {
    // not JSON: an S3 XML error or a proxy's page
  }
  const code = typeof problem?.code === 'string' ? problem.code : s3ErrorCode(bodyText);
  const detail =
    typeof problem?.detail === 'string'
      ? problem.detail
      : typeof problem?.title === 'string'
        ? problem.title
        : statusText || 'no detail';
  const text = `HTTP ${status}${code ? ` ${code}` : ''}: ${oneLine(detail)}`;
  return code ? { code, text } : { text };
}

/** The <Code> of an S3 XML error body, if that is what it is. */
function s3ErrorCode(bodyText: string): string | undefined {
  return /<Code>([A-Za-z0-9]{1,64})<\/Code>/.exec(bodyText)?.[1];
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim().slice(0, 500);
}

/** The reason a fetch could not complete (Node wraps the socket error as `cause`). */
export function networkReason(err: unknown): string {
  // Duck-typed: errors made inside Node's fetch may come from another realm than this code's Error.
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const source = hasMessage(cause) ? cause : err;
  const message = hasMessage(source) ? source.message : String(source);
  const code = (source as { code?: unknown } | undefined)?.code;
  return oneLine(typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message);
}

function hasMessage(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
