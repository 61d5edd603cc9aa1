import type { FastifyReply, FastifyRequest } from 'fastify';

/** Where a tenant stands with one quota after a request: the figures of the RateLimit headers. */
export interface QuotaState {
  /** Policy name in the headers: `requests` (per minute) or `signatures` (per UTC day). */
  policy: 'requests' | 'signatures';
  /** The quota (q) and its window in seconds (w). */
  limit: number;
  windowSec: number;
  /** What is left in the current window (r). */
  remaining: number;
  /** Seconds until the window resets (t). */
  resetSec: number;
}

const QUOTAS = Symbol('fleetsign.quotas');
type RequestWithQuotas = FastifyRequest & { [QUOTAS]?: Map<QuotaState['policy'], QuotaState> };

/** Remembers a quota state for the response headers of this request (the last state per policy wins). */
export function noteQuota(request: FastifyRequest, state: QuotaState): void {
  const withQuotas = request as RequestWithQuotas;
  (withQuotas[QUOTAS] ??= new Map()).set(state.policy, state);
}

/**
 * Writes the quota states noted for the request as the IETF RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers, structured-field lists), e.g.
 * `RateLimit-Policy: "requests";q=600;w=60` and `RateLimit: "requests";r=599;t=42`.
 */
export function writeQuotaHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const states = [...((request as RequestWithQuotas)[QUOTAS]?.values() ?? [])];
  if (!states.length) return;
  reply.header('ratelimit-policy', states.map((s) => `"${s.policy}";q=${s.limit};w=${s.windowSec}`).join(', '));
  reply.header('ratelimit', states.map((s) => `"${s.policy}";r=${s.remaining};t=${s.resetSec}`).join(', '));
}
