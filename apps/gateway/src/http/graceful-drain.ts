import type { FastifyInstance } from 'fastify';

/** Longest a stopping gateway waits for running requests before cutting their connections. */
export const SHUTDOWN_DRAIN_MS = 25_000;

/**
 * Makes a stop graceful and bounded: once closing starts, every response still being
 * served asks the client to close its keep-alive connection (otherwise the server
 * waits for the keep-alive timeout), and connections left after the drain time are cut.
 */
export function enableGracefulDrain(fastify: FastifyInstance, drainMs = SHUTDOWN_DRAIN_MS): void {
  let draining = false;
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (draining) void reply.header('connection', 'close');
    return payload;
  });
  fastify.addHook('preClose', async () => {
    draining = true;
    fastify.log.info({ drainMs }, 'stopping: finishing running requests');
    setTimeout(() => fastify.server.closeAllConnections(), drainMs).unref();
  });
}
