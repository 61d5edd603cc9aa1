import { findFreePort } from '@fleetsign/devstack';
import { rejectOnAbort } from './bounded';
import type { CleanupStack } from './cleanup-stack';
import { DEMO_PROFILE } from './demo-config';
import { DemoError } from './demo-error';
import type { DemoPaths } from './demo-paths';
import { type DemoRedis, provideRedis } from './demo-redis';
import { type DemoSetup, prepareDemo } from './demo-setup';
import { GatewayClient, type PublishedKey } from './gateway-client';
import { DemoServices, SERVICE_STOP_TIMEOUT_MS, serviceEnvironments } from './service-processes';
import type { StepTimer } from './step-timer';
import { waitForServices } from './wait-for-services';
import { WebhookReceiver } from './webhook-receiver';

/** A running local FleetSign stack and what a client needs to use it. */
export interface DemoStack {
  setup: DemoSetup;
  redis: DemoRedis;
  client: GatewayClient;
  receiver: WebhookReceiver;
  /** The demo profile's key as the signer published it. */
  profileKey: PublishedKey;
  /** Rejects when a service dies or the run is interrupted: race every wait with it. */
  stop: Promise<never>;
}

/**
 * Prepares the data directory and starts Redis, a webhook receiver and the three
 * services, registering how to undo each on `cleanup`; resolves once the gateway is
 * ready and the signer has published the demo profile's keys.
 */
export async function startDemoStack(
  paths: DemoPaths,
  runId: string,
  context: { log: (line: string) => void; timings: StepTimer; cleanup: CleanupStack; signal: AbortSignal },
): Promise<DemoStack> {
  const { log, timings, cleanup, signal } = context;
  const setup = await timings.time('prepare token and config', () => prepareDemo(paths));
  const { token } = setup;
  const keys = token.createdKeys.length ? `generated ${token.createdKeys.join(', ')}` : 'keys reused';
  log(`SoftHSM2 token '${token.tokenLabel}' ${token.createdToken ? 'created' : 'reused'} (${keys})`);

  const redis = await timings.time('start redis', () => provideRedis(paths, runId));
  cleanup.push('release redis', () => redis.release());
  log(`redis: ${redis.description}`);

  const receiver = await WebhookReceiver.start(setup.webhookSecret);
  cleanup.push('close webhook receiver', () => receiver.close());

  const gatewayPort = await findFreePort();
  const wiring = { redisUrl: redis.url, redisPrefix: redis.prefix, gatewayPort, softHsmConf: token.confPath };
  const services = await DemoServices.start(paths, serviceEnvironments(paths, wiring));
  cleanup.push('stop services', async () => {
    const [killed] = await services.stop();
    if (killed) {
      const seconds = SERVICE_STOP_TIMEOUT_MS / 1000;
      throw new DemoError(
        `the ${killed} did not stop within ${seconds} s of SIGTERM`,
        paths.serviceLog[killed],
      );
    }
  });
  const stop = Promise.race([services.failure, rejectOnAbort(signal)]);
  stop.catch(() => undefined);
  log(`gateway, signer and notifier started (logs in ${paths.logsDir})`);

  const client = new GatewayClient(`http://127.0.0.1:${gatewayPort}`, setup.apiToken);
  const published = await timings.time('services ready', () =>
    Promise.race([waitForServices(client, DEMO_PROFILE, paths, signal), stop]),
  );
  log(`gateway ready at ${client.baseUrl}; signer published ${published.profile} (${published.scheme})`);
  return { setup, redis, client, receiver, profileKey: published.keys[0], stop };
}
