import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { probeDependency } from '@fleetsign/observability';
import { type ObjectStore, STORE_PROBE_KEY } from '@fleetsign/storage';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PublicRoute } from '../auth/principal';
import { OBJECT_STORE, REDIS } from '../core/gateway.tokens';
import { ApiJsonResponse } from '../docs/openapi-schema';

/** Longest a readiness check may take before it counts as failed. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

const checkSchema = z.object({ ok: z.boolean(), error: z.string().optional() });
const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ redis: checkSchema, storage: checkSchema }),
});
type Check = z.output<typeof checkSchema>;

/** Probes a dependency; a failure is reported as `failure` (what is wrong, never the error's own text, which may name internals). */
async function probe(run: () => Promise<unknown>, failure: string): Promise<Check> {
  const result = await probeDependency(run, READINESS_CHECK_TIMEOUT_MS);
  return result.ok ? { ok: true } : { ok: false, error: failure };
}

/** Liveness and readiness probes; no authentication. */
@ApiTags('health')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Liveness: the process serves HTTP' })
  @ApiJsonResponse(200, z.object({ status: z.literal('ok') }), 'Alive')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Readiness: Redis answers PING and the object store answers HEAD' })
  @ApiJsonResponse(200, readinessSchema, 'Ready')
  @ApiJsonResponse(503, readinessSchema, 'Not ready; the failing check says why')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply): Promise<z.output<typeof readinessSchema>> {
    const [redis, storage] = await Promise.all([
      probe(() => this.redis.ping(), 'Redis does not answer'),
      probe(() => this.store.head(STORE_PROBE_KEY), 'the object store does not answer'),
    ]);
    const ready = redis.ok && storage.ok;
    void reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks: { redis, storage } };
  }
}
