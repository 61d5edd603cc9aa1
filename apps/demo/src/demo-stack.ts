import { FleetSignApi, type ProfilePublicKeys } from '@fleetsign/api';
import { DevStackError, type Fleet, startFleet } from '@fleetsign/devstack';
import { rejectOnAbort } from './bounded';
import type { CleanupStack } from './cleanup-stack';
import { DEMO_PROFILE } from './demo-config';
import { DemoError } from './demo-error';
import type { DemoPaths } from './demo-paths';
import { type DemoRedis, provideDemoRedis } from './demo-redis';
import { type DemoSetup, prepareDemo } from './demo-setup';
import type { StepTimer } from './step-timer';
import { waitForProfileKeys } from './wait-for-services';
import { WebhookReceiver } from './webhook-receiver';

/** A running local FleetSign stack and what a client needs to use it. */
export interface DemoStack {
  setup: DemoSetup;
  redis: DemoRedis;
  gatewayUrl: string;
  client: FleetSignApi;
  receiver: WebhookReceiver;
  /** The demo profile's key as the signer published it. */
  profileKey: ProfilePublicKeys['keys'][number];
  /** Rejects when a service dies or the run is interrupted: race every wait with it. */
  stop: Promise<never>;
}

/** How long each service gets to stop on SIGTERM before it is killed. */
const SERVICE_STOP_TIMEOUT_MS = 15_000;

/** A launcher failure as the demo reports it (with the log whose tail explains it). */
function asDemoError(err: unknown): never {
  throw err instanceof DevStackError ? new DemoError(err.message, err.logPath) : err;
}

async function stopServices(fleet: Fleet): Promise<void> {
  const [killed] = await fleet.stop(SERVICE_STOP_TIMEOUT_MS);
  if (killed) {
    const seconds = SERVICE_STOP_TIMEOUT_MS / 1000;
    const service = fleet.services.find((candidate) => candidate.name === killed);
    throw new DemoError(`the ${killed} did not stop within ${seconds} s of SIGTERM`, service?.spec.logPath);
  }
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

  const redis = await timings.time('start redis', () => provideDemoRedis(paths, runId));
  cleanup.push('release redis', () => redis.release());
  log(`redis: ${redis.description}`);

  const receiver = await WebhookReceiver.start(setup.webhookSecret);
  cleanup.push('close webhook receiver', () => receiver.close());

  const fleet = await timings
    .time('start services', () =>
      startFleet({
        root: paths.root,
        logsDir: paths.logsDir,
        configFile: paths.configFile,
        redisUrl: redis.url,
        redisPrefix: redis.prefix,
        store: { driver: 'fs', root: paths.objectsDir, signingSecretFile: paths.fsSigningSecretFile },
        softHsmConf: token.confPath,
        webhookAllowPrivateTargets: '127.0.0.1',
        signal,
      }),
    )
    .catch(asDemoError);
  cleanup.push('stop services', () => stopServices(fleet));
  const stop = Promise.race([fleet.failure.catch(asDemoError), rejectOnAbort(signal)]);
  stop.catch(() => undefined);
  log(`gateway, signer and notifier ready (logs in ${paths.logsDir})`);

  const client = new FleetSignApi({ baseUrl: fleet.gatewayUrl, apiKey: setup.apiToken, signal });
  const published = await timings.time('services ready', () =>
    Promise.race([waitForProfileKeys(client, DEMO_PROFILE, paths, signal), stop]),
  );
  log(`gateway ready at ${fleet.gatewayUrl}; signer published ${published.profile} (${published.scheme})`);
  return { setup, redis, gatewayUrl: fleet.gatewayUrl, client, receiver, profileKey: published.keys[0], stop };
}
