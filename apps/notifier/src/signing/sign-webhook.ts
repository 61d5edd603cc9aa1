import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">` for each secret (`whsec_<base64>`), space-separated, so a
 * receiver holding either the current or the previous secret verifies during rotation.
 * `timestamp` is the `webhook-timestamp` value in unix seconds; `body` is the exact
 * request body.
 */
export function signWebhook(secrets: string | readonly string[], id: string, timestamp: number, body: string): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('webhook timestamp must be whole unix seconds');
  }
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new RangeError('at least one webhook secret is needed to sign');
  const at = new Date(timestamp * 1000);
  return list.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ');
}
