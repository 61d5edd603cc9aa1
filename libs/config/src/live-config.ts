import type { FleetSignConfig, TransparencyLogConfig } from './config-types';

// The configuration file in force in a running process. A reload replaces it whole, in
// one assignment, so a reader sees either the old or the new file, never a mix of the two
// within one field; readers that must not see a swap between two reads take current() once.

/** Called after a new configuration took effect. */
export type ConfigChangeListener = (next: FleetSignConfig, previous: FleetSignConfig) => void | Promise<void>;

/** Holds the configuration in force and tells listeners when a reload replaces it. */
export class LiveConfig {
  private config: FleetSignConfig;
  private readonly listeners = new Set<ConfigChangeListener>();
  /**
   * A FleetSignConfig whose every field is read from the configuration in force at the
   * moment of the read: hand it to code written for a fixed configuration and it follows reloads.
   */
  readonly view: FleetSignConfig;

  constructor(initial: FleetSignConfig) {
    this.config = initial;
    const current = () => this.config as unknown as Record<PropertyKey, unknown>;
    this.view = new Proxy({} as FleetSignConfig, {
      get: (_target, property) => current()[property],
      has: (_target, property) => property in current(),
      ownKeys: () => Reflect.ownKeys(current()),
      getOwnPropertyDescriptor: (_target, property) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(current(), property);
        return descriptor && { ...descriptor, configurable: true };
      },
      set: () => false,
    });
  }

  current(): FleetSignConfig {
    return this.config;
  }

  /** Puts `next` in force, then runs the listeners in order (one failing does not stop the others). */
  async replace(next: FleetSignConfig): Promise<void> {
    const previous = this.config;
    this.config = next;
    const failures: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        await listener(next, previous);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length) throw failures[0];
  }

  /** Registers a listener; returns the unsubscribe. */
  onChange(listener: ConfigChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A setting a running process cannot change: it needs a restart to take effect. */
export interface RestartOnlyChange {
  /** The setting, as written in the file, e.g. `transparency_log.origin`. */
  setting: string;
}

function logSettings(log: TransparencyLogConfig | undefined): Record<string, string> {
  if (!log) return {};
  return {
    'transparency_log.origin': log.origin,
    'transparency_log.key': JSON.stringify(log.key),
    'transparency_log.checkpoint_every': String(log.checkpointEvery),
    'transparency_log.checkpoint_interval_s': String(log.checkpointIntervalMs),
    'transparency_log.store_prefix': log.storePrefix,
  };
}

/**
 * What may be reloaded and what needs a restart: profiles (with their keys' lifecycle and
 * policy), API keys and tenants are reloaded; the `transparency_log` section (the log's
 * name, key and place in the store) needs a restart. Returns `next` with every
 * restart-only setting kept at its value in `previous`, and the settings that changed.
 */
export function keepRestartOnlySettings(previous: FleetSignConfig, next: FleetSignConfig): { config: FleetSignConfig; changed: RestartOnlyChange[] } {
  const before = logSettings(previous.transparencyLog);
  const after = logSettings(next.transparencyLog);
  const settings = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = settings.filter((setting) => before[setting] !== after[setting]).map((setting) => ({ setting }));
  if (changed.length === 0) return { config: next, changed };
  const { transparencyLog: _dropped, ...rest } = next;
  return { config: { ...rest, ...(previous.transparencyLog ? { transparencyLog: previous.transparencyLog } : {}) }, changed };
}
