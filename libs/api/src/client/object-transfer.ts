import { createReadStream } from 'node:fs';
import { FleetSignError } from '@fleetsign/errors';
import type { PresignedUploadResponse } from '../uploads';
import { DEFAULT_RETRY, withRetry } from './retry';
import { ServiceError, describeErrorAnswer, displayUrl, networkReason } from './service-error';
import { IntegrityError, writeStreamAtomic } from './stream-to-file';

/** Longest one upload or download of an image may take. */
export const TRANSFER_TIMEOUT_MS = 10 * 60_000;

function transferSignal(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(TRANSFER_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

const retryable = (err: unknown) => (err instanceof ServiceError && err.transient) || err instanceof IntegrityError;

/** The upload grant of `POST /v1/uploads`. */
export type UploadGrant = Pick<PresignedUploadResponse, 'uploadUrl' | 'method' | 'headers'>;

/**
 * PUTs a file to a presigned upload URL, streamed from disk with its exact length, with
 * the headers the grant names (the API key is never sent there). Retried when transient.
 */
export function uploadFile(grant: UploadGrant, path: string, size: number, signal?: AbortSignal): Promise<void> {
  return putPresigned(grant, () => createReadStream(path), size, `upload of "${path}"`, signal);
}

/** PUTs bytes held in memory to a presigned upload URL, like {@link uploadFile}. */
export function uploadBytes(grant: UploadGrant, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  return putPresigned(grant, () => bytes, bytes.length, 'upload', signal);
}

/** One PUT to a presigned URL per attempt; `body` gives a fresh stream (or the bytes) for each. */
async function putPresigned(
  grant: UploadGrant,
  body: () => ReturnType<typeof createReadStream> | Uint8Array,
  size: number,
  what: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const where = displayUrl(grant.uploadUrl);
  await withRetry(
    async () => {
      let response: Response;
      try {
        const payload = body();
        response = await fetch(grant.uploadUrl, {
          method: grant.method,
          headers: { 'content-type': 'application/octet-stream', ...grant.headers, 'content-length': String(size) },
          body: payload as unknown as NonNullable<RequestInit['body']>,
          ...(payload instanceof Uint8Array ? {} : { duplex: 'half' as const }),
          redirect: 'error',
          signal: transferSignal(signal),
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new ServiceError(`${what} to ${where} failed: ${networkReason(err)}`, undefined, undefined, { cause: err });
      }
      const text = await response.text();
      if (!response.ok) {
        const answer = describeErrorAnswer(response.status, response.statusText, text);
        throw new ServiceError(`${what} to ${where}: ${answer.text}`, response.status, answer.code);
      }
    },
    { retryable, policy: DEFAULT_RETRY, signal },
  );
}

/** One GET of a presigned URL; a connection failure is a (retryable) ServiceError, an abort passes through. */
async function getPresigned(url: string, where: string, signal: AbortSignal | undefined): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'error', signal: transferSignal(signal) });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ServiceError(`download of ${where} failed: ${networkReason(err)}`, undefined, undefined, { cause: err });
  }
}

/**
 * Downloads a presigned URL into `target` (temp file + rename) and checks the bytes
 * against `expectedSha256`; a mismatch or a transient failure is retried, then thrown.
 */
export async function downloadFile(url: string, target: string, expectedSha256: string, signal?: AbortSignal): Promise<number> {
  const where = displayUrl(url);
  return withRetry(
    async () => {
      const response = await getPresigned(url, where, signal);
      if (!response.ok || !response.body) {
        const answer = describeErrorAnswer(response.status, response.statusText, await response.text());
        throw new ServiceError(`download of ${where}: ${answer.text}`, response.status, answer.code);
      }
      try {
        return (await writeStreamAtomic(target, response.body, expectedSha256)).size;
      } catch (err) {
        // Local file trouble and a wrong digest are reported as such; anything else broke the connection.
        if (signal?.aborted || err instanceof IntegrityError || err instanceof FleetSignError) throw err;
        throw new ServiceError(`download of ${where} failed: ${networkReason(err)}`, undefined, undefined, { cause: err });
      }
    },
    { retryable, policy: DEFAULT_RETRY, signal },
  );
}

/** Largest manifest the client accepts (10,000 items with three key digests each fit well below). */
export const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

/** GETs a presigned URL into memory (small objects only: refused past `maxBytes`); retried when transient. */
export async function fetchBytes(url: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const where = displayUrl(url);
  return withRetry(
    async () => {
      const response = await getPresigned(url, where, signal);
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (response.ok && declared > maxBytes) {
        await response.body?.cancel();
        throw new Error(`download of ${where}: ${declared} bytes is more than the ${maxBytes} expected`);
      }
      let body: Buffer;
      try {
        body = Buffer.from(await response.arrayBuffer());
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new ServiceError(`download of ${where} failed: ${networkReason(err)}`, undefined, undefined, { cause: err });
      }
      if (!response.ok) {
        const answer = describeErrorAnswer(response.status, response.statusText, body.toString('utf8'));
        throw new ServiceError(`download of ${where}: ${answer.text}`, response.status, answer.code);
      }
      return body;
    },
    { retryable, policy: DEFAULT_RETRY, signal },
  );
}
