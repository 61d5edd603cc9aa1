import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/** Fastify route config flag set by {@link BatchBody}. */
const BATCH_BODY = 'fleetsign.batchBody';

/** Marks the route whose JSON body may be as large as the batch body limit instead of the job body limit. */
export const BatchBody = () => RouteConfig({ [BATCH_BODY]: true });

/**
 * Gives routes marked {@link BatchBody} their own body limit (10,000 items do not fit in
 * a job's limit). Must run before the routes are registered, i.e. before the app listens.
 */
export function applyBatchBodyLimit(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.addHook('onRoute', (route) => {
    const config = route.config as Record<string, unknown> | undefined;
    if (config?.[BATCH_BODY] === true) route.bodyLimit = bodyLimit;
  });
}
