import { IntakeLayout } from '@fleetsign/queue';

/** Lifetime of presigned upload URLs: long enough for a slow link to send 16 MiB. */
export const UPLOAD_URL_TTL_SEC = 15 * 60;
/** Lifetime of the presigned download URL in a job's result. */
export const DOWNLOAD_URL_TTL_SEC = 60 * 60;
/** How long a declared upload (size, digest) is remembered for the job that names it. */
export const UPLOAD_INTENT_TTL_SEC = 24 * 60 * 60;

/** Settings of POST /v1/batches. */
export interface BatchSettings {
  /** Largest batch request body, in bytes. */
  bodyLimit: number;
  /** Batch items per fair-share slice of a tenant's backlog. */
  fairShareSlice: number;
}

/** Settings the request handlers read, resolved once at start-up. */
export class GatewaySettings {
  private baseUrl: string | undefined;

  constructor(
    /** Largest JSON body, in bytes. */
    readonly bodyLimit: number,
    /** Largest image accepted on upload routes, in bytes. */
    readonly maxImageBytes: number,
    /** BullMQ / Redis key prefix (a `{hash tag}`). */
    readonly prefix: string,
    /** HMAC secret of presigned fs-store URLs; undefined with the S3 driver. */
    readonly fsSigningSecret: string | undefined,
    configuredBaseUrl: string | undefined,
    readonly batch: BatchSettings,
    /** Where intake records of accepted requests live in the object store. */
    readonly intake: IntakeLayout = new IntakeLayout(),
  ) {
    this.baseUrl = configuredBaseUrl?.replace(/\/+$/, '');
  }

  /** Base URL for links in responses: configured, else the address the gateway listens on. */
  get publicBaseUrl(): string {
    if (!this.baseUrl) throw new Error('the gateway public base URL is known only once it listens');
    return this.baseUrl;
  }

  /** The configured base URL, or undefined before the gateway listens when none is configured. */
  get knownBaseUrl(): string | undefined {
    return this.baseUrl;
  }

  /** Called once the listening address is known; a configured URL wins. */
  useListeningUrl(url: string): void {
    this.baseUrl ??= url;
  }
}
