import type { ProfileConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError, isFleetSignError, isTransientError } from '@fleetsign/errors';
import type { Logger } from 'pino';
import type { KeyOpener } from './key-opener';
import { closeProfileKeys, type OpenProfile, openProfileKeys, type ProfileKey } from './profile-keys';
import { revokedNow, sameKeys } from './profile-reload';

/** What the registry knows about one configured profile. */
export type ProfileStatus =
  | { name: string; state: 'available'; scheme: string; keys: number }
  | { name: string; state: 'unavailable'; error: { code: ErrorCode; message: string } }
  | { name: string; state: 'revoked' };

/** Codes of a key fault while signing: the profile's keys are open but cannot sign now. */
const KEY_FAULT_CODES: ReadonlySet<ErrorCode> = new Set([ErrorCode.HsmUnavailable, ErrorCode.HsmError, ErrorCode.KmsError]);

/** Called when a profile's state changes (keys opened, a key fault seen or cleared). */
export type ProfileStateListener = () => void;

/** Called when a profile's keys open, at start-up or on a later retry. */
export type ProfileOpenedListener = (profile: OpenProfile) => void | Promise<void>;

export interface ProfileKeyRegistryOptions {
  logger?: Logger;
  /** Least time between two attempts to open a profile that failed for a transient reason (0: every request). */
  retryIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

type Entry =
  | { state: 'available'; config: ProfileConfig; profile: OpenProfile }
  | { state: 'unavailable'; config: ProfileConfig; error: FleetSignError; failedAt: number; retry?: Promise<void> }
  | { state: 'revoked'; config: ProfileConfig };



function asFleetSignError(err: unknown, profile: string): FleetSignError {
  if (isFleetSignError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FleetSignError(ErrorCode.HsmError, `profile '${profile}': opening its keys failed: ${message}`);
}

/**
 * Holds the open keys of every active profile. A profile whose keys cannot be opened
 * (wrong PIN, token missing, key not found) is kept as unavailable with that error,
 * so the signer keeps serving the other profiles and jobs for it fail with its code.
 * Transient failures (token or KMS away) are retried on demand, at most once per
 * `retryIntervalMs`.
 */
export class ProfileKeyRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: ProfileOpenedListener[] = [];
  private readonly stateListeners: ProfileStateListener[] = [];
  /** Open profiles whose keys failed their last signing with a transient key fault. */
  private readonly keyFaults = new Map<string, { code: ErrorCode; message: string }>();
  private readonly retryIntervalMs: number;
  private readonly now: () => number;
  private closed = false;
  /** Jobs signing with a key set now (by the set's array), so a reload closes replaced keys only once they finish. */
  private readonly inFlight = new Map<readonly ProfileKey[], number>();
  /** Key sets a reload replaced or removed, closed once no job uses them. */
  private readonly retired = new Set<OpenProfile>();

  private constructor(
    private readonly openKey: KeyOpener,
    private readonly options: ProfileKeyRegistryOptions,
  ) {
    this.retryIntervalMs = options.retryIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Opens the keys of every active profile (profiles in parallel); never throws for one profile's keys. */
  static async open(
    profiles: readonly ProfileConfig[],
    openKey: KeyOpener,
    options: ProfileKeyRegistryOptions = {},
  ): Promise<ProfileKeyRegistry> {
    const registry = new ProfileKeyRegistry(openKey, options);
    await Promise.all(
      profiles.map((config) => {
        if (revokedNow(config, registry.now())) {
          registry.entries.set(config.name, { state: 'revoked', config });
          return undefined;
        }
        return registry.openOne(config);
      }),
    );
    return registry;
  }

  /**
   * Brings the registry to a reloaded configuration: opens the keys of new profiles (and
   * of profiles whose keys or scheme changed, the old keys serving until the new ones are
   * open), marks revoked ones, forgets removed ones. Keys no longer configured are closed
   * once the jobs signing with them finish. Never throws for one profile's keys.
   */
  async reconcile(profiles: readonly ProfileConfig[]): Promise<void> {
    if (this.closed) return;
    const names = new Set(profiles.map((config) => config.name));
    for (const [name, entry] of [...this.entries]) {
      if (names.has(name)) continue;
      this.entries.delete(name);
      this.keyFaults.delete(name);
      if (entry.state === 'available') this.retire(entry.profile);
      this.options.logger?.info({ profile: name }, 'profile removed by a configuration reload');
    }
    const opening: Array<Promise<void>> = [];
    for (const config of profiles) {
      const entry = this.entries.get(config.name);
      if (revokedNow(config, this.now())) {
        if (entry?.state === 'available') this.retire(entry.profile);
        this.keyFaults.delete(config.name);
        this.entries.set(config.name, { state: 'revoked', config });
        continue;
      }
      if (entry?.state === 'available' && sameKeys(entry.profile, config)) {
        // Same keys: the open sessions stay; chips and policy come from the new entry.
        const { allowedChips: _chips, ...rest } = entry.profile;
        const profile: OpenProfile = { ...rest, ...(config.allowedChips ? { allowedChips: config.allowedChips } : {}) };
        this.entries.set(config.name, { state: 'available', config, profile });
        continue;
      }
      if (entry?.state === 'unavailable' && entry.retry) {
        opening.push(entry.retry.then(() => this.reconcileOne(config)));
        continue;
      }
      opening.push(this.openOne(config, entry?.state === 'available' ? entry.profile : undefined));
    }
    await Promise.all(opening);
    this.stateChanged();
  }

  /** After a retry that was running during a reload: open again when the keys it opened are not the configured ones. */
  private async reconcileOne(config: ProfileConfig): Promise<void> {
    const entry = this.entries.get(config.name);
    if (entry?.state === 'available' && sameKeys(entry.profile, config)) return;
    await this.openOne(config, entry?.state === 'available' ? entry.profile : undefined);
  }

  /**
   * Marks a job done with keys acquire() gave it; a key set a reload replaced is closed
   * when its last job releases it.
   */
  release(profile: OpenProfile): void {
    const count = (this.inFlight.get(profile.keys) ?? 1) - 1;
    if (count > 0) {
      this.inFlight.set(profile.keys, count);
      return;
    }
    this.inFlight.delete(profile.keys);
    for (const retired of this.retired) if (retired.keys === profile.keys) void this.closeRetired(retired);
  }

  /** Takes keys out of service; they are closed at once when no job uses them, else by the last release. */
  private retire(profile: OpenProfile): void {
    if ([...this.entries.values()].some((entry) => entry.state === 'available' && entry.profile.keys === profile.keys)) return;
    this.retired.add(profile);
    if (!this.inFlight.has(profile.keys)) void this.closeRetired(profile);
  }

  private async closeRetired(profile: OpenProfile): Promise<void> {
    if (!this.retired.delete(profile)) return;
    try {
      await closeProfileKeys(profile);
      this.options.logger?.info({ profile: profile.name }, 'keys no longer configured closed');
    } catch (err) {
      this.options.logger?.warn({ profile: profile.name, err }, 'closing keys no longer configured failed');
    }
  }

  /** Registers a listener for profiles whose keys open later (after a transient failure). */
  onProfileOpened(listener: ProfileOpenedListener): void {
    this.listeners.push(listener);
  }

  /** Registers a listener for changes of the profiles' states (for metrics). */
  onStateChanged(listener: ProfileStateListener): void {
    this.stateListeners.push(listener);
  }

  /**
   * Records how a signing with `name`'s keys ended: a transient key fault (HSM or KMS
   * away) shows the profile unavailable in `status()` until a signing succeeds again.
   * Faults of other parts (store, Redis) and permanent errors leave it as it is.
   */
  reportSigning(name: string, outcome: { ok: true } | { ok: false; error: unknown }): void {
    const entry = this.entries.get(name);
    if (entry?.state !== 'available') return;
    if (outcome.ok) {
      if (this.keyFaults.delete(name)) this.stateChanged();
      return;
    }
    const { error } = outcome;
    if (!isFleetSignError(error) || !KEY_FAULT_CODES.has(error.code) || !isTransientError(error)) return;
    const known = this.keyFaults.get(name);
    this.keyFaults.set(name, { code: error.code, message: error.message });
    if (!known) {
      this.options.logger?.warn({ profile: name, code: error.code, reason: error.message }, 'profile unavailable: its keys cannot sign now; jobs retry');
      this.stateChanged();
    }
  }

  /**
   * The open keys of `name`. Throws UnknownProfile, ProfileRevoked, or the error the
   * profile's keys failed with (e.g. HsmPinIncorrect), after one retry when it was transient.
   */
  async acquire(name: string): Promise<OpenProfile> {
    if (this.closed) throw new FleetSignError(ErrorCode.HsmUnavailable, 'the signer is shutting down; its keys are closed');
    let entry = this.entries.get(name);
    if (!entry) throw new FleetSignError(ErrorCode.UnknownProfile, `profile '${name}' is not configured on this signer`, { profile: name });
    if (entry.state === 'unavailable' && isTransientError(entry.error) && this.now() - entry.failedAt >= this.retryIntervalMs) {
      entry.retry ??= this.openOne(entry.config);
      await entry.retry;
      entry = this.entries.get(name) as Entry;
    }
    if (entry.state === 'revoked' || revokedNow(entry.config, this.now())) {
      throw new FleetSignError(ErrorCode.ProfileRevoked, `profile '${name}' is revoked`, { profile: name });
    }
    if (entry.state === 'available') {
      this.inFlight.set(entry.profile.keys, (this.inFlight.get(entry.profile.keys) ?? 0) + 1);
      return entry.profile;
    }
    throw new FleetSignError(entry.error.code, `profile '${name}' is unavailable: ${entry.error.message}`, {
      profile: name,
      ...entry.error.details,
    });
  }

  /** Every configured profile's state, in configuration order. */
  status(): ProfileStatus[] {
    return [...this.entries].map(([name, entry]): ProfileStatus => {
      const fault = this.keyFaults.get(name);
      if (entry.state === 'revoked' || revokedNow(entry.config, this.now())) return { name, state: 'revoked' };
      if (entry.state === 'available' && fault) return { name, state: 'unavailable', error: fault };
      if (entry.state === 'available') {
        return { name, state: 'available', scheme: entry.profile.scheme, keys: entry.profile.keys.length };
      }
      return { name, state: 'unavailable', error: { code: entry.error.code, message: entry.error.message } };
    });
  }

  /** The profiles whose keys are open. */
  availableProfiles(): OpenProfile[] {
    return [...this.entries.values()].flatMap((entry) => (entry.state === 'available' ? [entry.profile] : []));
  }

  /** Closes every open key (PKCS#11 sessions and modules). Later acquires fail. */
  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.availableProfiles(), ...this.retired];
    this.retired.clear();
    const results = await Promise.allSettled(open.map((profile) => closeProfileKeys(profile)));
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') this.options.logger?.warn({ profile: open[i].name, err: result.reason }, 'closing profile keys failed');
    }
  }

  /** Opens a profile's keys; `serving` (keys a reload replaces) keeps serving until then and is retired after. */
  private async openOne(config: ProfileConfig, serving?: OpenProfile): Promise<void> {
    // Reserve the profile's place so status() lists profiles in configuration order.
    if (!this.entries.has(config.name)) {
      this.entries.set(config.name, this.unavailable(config, new FleetSignError(ErrorCode.HsmUnavailable, 'keys are being opened')));
    }
    let profile: OpenProfile;
    try {
      profile = await openProfileKeys(config, this.openKey);
    } catch (err) {
      const error = asFleetSignError(err, config.name);
      this.entries.set(config.name, this.unavailable(config, error));
      if (serving) this.retire(serving);
      this.options.logger?.error({ profile: config.name, code: error.code, reason: error.message }, 'profile unavailable: its keys did not open');
      return;
    }
    if (this.closed) {
      await closeProfileKeys(profile).catch(() => undefined);
      return;
    }
    this.entries.set(config.name, { state: 'available', config, profile });
    if (serving) this.retire(serving);
    const keys = profile.keys.map((key) => key.signer.description);
    this.options.logger?.info({ profile: config.name, scheme: config.scheme, keys }, 'profile keys opened');
    for (const listener of this.listeners) {
      try {
        await listener(profile);
      } catch (err) {
        this.options.logger?.warn({ profile: config.name, err }, 'a profile-opened listener failed');
      }
    }
  }

  private stateChanged(): void {
    for (const listener of this.stateListeners) listener();
  }

  private unavailable(config: ProfileConfig, error: FleetSignError): Entry {
    return { state: 'unavailable', config, error, failedAt: this.now() };
  }
}
