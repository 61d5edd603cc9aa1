import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { describeTarget, type DeliveryTarget } from '../targets/vet-target';
import { retryableFailure } from './delivery-failure';

/** One POST of an event to a vetted target. */
export interface WebhookPost {
  target: DeliveryTarget;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** Time allowed for connect + response headers; the response body is drained within the same time. */
  timeoutMs: number;
}

/**
 * A resolver that answers every query with the vetted address, so the connection goes
 * to the address that was checked even if DNS would now answer differently.
 */
function pinnedLookup(target: DeliveryTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function networkFailure(target: DeliveryTarget, err: NodeJS.ErrnoException) {
  const code = err.code ?? err.message;
  return retryableFailure('network_error', `cannot deliver to ${describeTarget(target.url)}: ${code}`);
}

/**
 * POSTs the body and resolves with the response status as soon as the headers arrive;
 * the response body is read and discarded. Redirects are not followed (the status is
 * returned as is). Connection errors and the timeout reject with a retryable DeliveryFailure.
 */
export function postWebhook(post: WebhookPost): Promise<number> {
  const { target, body, timeoutMs } = post;
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...post.headers, 'content-length': String(Buffer.byteLength(body)) },
    // A fresh connection per delivery: a pooled socket could outlive the check of its address.
    agent: false,
    lookup: pinnedLookup(target),
  };
  return new Promise<number>((resolve, reject) => {
    let timedOut = false;
    const request: ClientRequest = send(target.url, options);
    const deadline = setTimeout(() => {
      timedOut = true;
      request.destroy(Object.assign(new Error('webhook delivery timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    request.on('response', (response: IncomingMessage) => {
      resolve(response.statusCode ?? 0);
      response.on('error', () => undefined);
      response.on('end', () => clearTimeout(deadline));
      response.resume();
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      if (timedOut) {
        reject(retryableFailure('timeout', `no response from ${describeTarget(target.url)} within ${timeoutMs} ms`));
      } else {
        reject(networkFailure(target, err));
      }
    });
    request.on('close', () => clearTimeout(deadline));
    request.end(body);
  });
}
