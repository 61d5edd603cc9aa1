import { createServiceRegistry } from '@fleetsign/observability';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Job states reported by the queue depth gauge. */
const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

/** Source of queue depth figures, read at scrape time. */
export interface QueueDepthSource {
  name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/**
 * The gateway's Prometheus metrics in a registry of its own, so two gateways in
 * one process (tests) never collide on the global registry.
 */
export class GatewayMetrics {
  readonly registry = createServiceRegistry('gateway');

  readonly httpRequests = new Counter({
    name: 'fleetsign_gateway_http_requests_total',
    help: 'HTTP requests served, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'fleetsign_gateway_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly jobsSubmitted = new Counter({
    name: 'fleetsign_gateway_jobs_submitted_total',
    help: 'Sign jobs accepted, by profile and whether an idempotent replay returned an existing job',
    labelNames: ['profile', 'replay'] as const,
    registers: [this.registry],
  });

  readonly tokenRefusals = new Counter({
    name: 'fleetsign_gateway_token_refusals_total',
    help: 'OIDC tokens of CI identities refused (401 TOKEN_INVALID), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly quotaRefusals = new Counter({
    name: 'fleetsign_gateway_quota_refusals_total',
    help: 'Requests refused with 429 by a tenant quota, by tenant and code (RATE_LIMITED, QUOTA_EXCEEDED)',
    labelNames: ['tenant', 'code'] as const,
    registers: [this.registry],
  });

  readonly uploadedBytes = new Counter({
    name: 'fleetsign_gateway_direct_upload_bytes_total',
    help: 'Bytes stored through the direct upload and presigned object routes',
    registers: [this.registry],
  });

  constructor(queues: readonly QueueDepthSource[] = []) {
    new Gauge({
      name: 'fleetsign_queue_jobs',
      help: 'Jobs per queue and state, read from Redis at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const queue of queues) {
          const counts = await queue.getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  /** Counts and times every response by its route pattern (never the raw URL, which holds ids). */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const labels = { method: request.method, route };
      this.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
      this.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
  }
}
