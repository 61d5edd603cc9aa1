import { type FleetSignApi, type ProfilePublicKeys, isServiceError } from '@fleetsign/api';
import { pollUntil } from '@fleetsign/devstack';
import { ErrorCode } from '@fleetsign/errors';
import { DemoError } from './demo-error';
import type { DemoPaths } from './demo-paths';

/** Longest wait for each service milestone (start-up includes Nest, Redis and opening HSM keys). */
export const SERVICE_READY_TIMEOUT_MS = 60_000;

/** Adds the service log to a poll's failure, so the caller can show its tail. */
function inLog<T>(work: Promise<T>, logPath: string): Promise<T> {
  return work.catch((err: unknown) => {
    throw err instanceof DemoError
      ? err
      : new DemoError(err instanceof Error ? err.message : String(err), logPath);
  });
}

/** Waits (bounded) until the signer has published the profile's public keys, which it does once it opened them on the token. */
export async function waitForProfileKeys(
  client: FleetSignApi,
  profile: string,
  paths: DemoPaths,
  signal: AbortSignal,
): Promise<ProfilePublicKeys> {
  const outcome = await inLog(
    pollUntil(
      async (): Promise<{ keys: ProfilePublicKeys } | { error: unknown } | undefined> => {
        try {
          return { keys: await client.profilePublicKeys(profile) };
        } catch (err) {
          // 503 PROFILE_KEYS_UNAVAILABLE: the signer has not published yet; anything else ends the wait.
          return isServiceError(err, ErrorCode.ProfileKeysUnavailable) ? undefined : { error: err };
        }
      },
      {
        timeoutMs: SERVICE_READY_TIMEOUT_MS,
        intervalMs: 100,
        description: `the signer to publish the public keys of profile ${profile}`,
        signal,
      },
    ),
    paths.serviceLog.signer,
  );
  if ('error' in outcome) {
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    throw new DemoError(
      `reading the public keys of profile ${profile} failed: ${message}`,
      paths.serviceLog.gateway,
    );
  }
  return outcome.keys;
}
