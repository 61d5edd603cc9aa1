import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { ErrorCode } from '@fleetsign/errors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { GatewayResources } from '../core/gateway-resources';
import { PROBLEM_CONTENT_TYPE } from '../http/http-problem';
import { type ConsoleSessions, QUEUE_DASHBOARD_PATH } from './console-sessions';

/**
 * bull-board's queue dashboard at /console/queues, read-only (no retry, clean or
 * remove buttons), behind the console session cookie: a browser page cannot send the
 * bearer key, so the console exchanges it for a session first (POST /v1/console/session).
 */
export async function mountQueueDashboard(
  app: NestFastifyApplication,
  resources: Pick<GatewayResources, 'signQueue' | 'webhookQueue'>,
  sessions: ConsoleSessions,
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  createBullBoard({
    queues: [resources.signQueue, resources.webhookQueue].map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'FleetSign queues' } },
  });
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  await app.register(
    async (scope: FastifyInstance) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (await sessions.isValid(request.headers.cookie)) return;
        await reply
          .code(401)
          .type(PROBLEM_CONTENT_TYPE)
          .send({
            type: `urn:fleetsign:error:${ErrorCode.Unauthenticated}`,
            title: 'Unauthorized',
            status: 401,
            code: ErrorCode.Unauthenticated,
            detail: 'Log in on /console first: the queue dashboard needs a console session',
          });
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUE_DASHBOARD_PATH },
  );
}
