import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type FleetSignConfig, keepRestartOnlySettings, type LiveConfig } from '@fleetsign/config';
import { isFleetSignError } from '@fleetsign/errors';
import type { ConfigReloadMetrics } from '@fleetsign/observability';
import type { Logger } from 'pino';

// Live configuration for every FleetSign process: the file is read again on SIGHUP and
// when it changes on disk, validated whole, and put in force in one swap. An invalid file
// is refused with one line naming the setting; the configuration in force stays.

/** How long file events are gathered before one reload (an editor's save is several events). */
export const CONFIG_RELOAD_DEBOUNCE_MS = 250;

/** What a reload did. */
export type ReloadOutcome =
  | { outcome: 'applied'; restartOnly: string[] }
  | { outcome: 'unchanged' }
  | { outcome: 'refused'; reason: string };

export interface ConfigReloaderOptions {
  /** The configuration file (as given; a symlink is followed on every read). */
  path: string;
  live: LiveConfig;
  /** Reads and validates the file with the process's own checks; throws InvalidConfig naming the setting. */
  load(path: string): FleetSignConfig;
  logger: Logger;
  metrics: ConfigReloadMetrics;
  debounceMs?: number;
  /** Registers the SIGHUP handler (default process.on); tests pass their own. */
  onSignal?: (signal: 'SIGHUP', listener: () => void) => () => void;
  /** Watch the file and its directory (default true). */
  watchFiles?: boolean;
}

/** A running reloader. */
export interface ConfigReloader {
  /** Reloads now (SIGHUP does the same); resolves with what happened. */
  reload(reason?: string): Promise<ReloadOutcome>;
  /** Stops watching and listening for SIGHUP. */
  close(): void;
}

function digestOf(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

function oneLine(err: unknown): string {
  const message = isFleetSignError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}

/**
 * Starts reloading `path` on SIGHUP and when it changes on disk. The directory is watched
 * too: editors and Kubernetes ConfigMaps replace the file by a rename or a symlink swap,
 * which a watch on the old file never sees. Events are debounced, reloads never overlap,
 * and a file whose bytes did not change is not reloaded (SIGHUP always is).
 */
export function startConfigReloader(options: ConfigReloaderOptions): ConfigReloader {
  const { live, logger, metrics } = options;
  const path = resolve(options.path);
  const debounceMs = options.debounceMs ?? CONFIG_RELOAD_DEBOUNCE_MS;
  let lastDigest = digestOf(path);
  let running: Promise<ReloadOutcome> | undefined;
  let again: { reason: string; force: boolean } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const reloadOnce = async (reason: string, force: boolean): Promise<ReloadOutcome> => {
    const digest = digestOf(path);
    if (!force && digest !== undefined && digest === lastDigest) return { outcome: 'unchanged' };
    let next: FleetSignConfig;
    try {
      next = options.load(path);
    } catch (err) {
      const line = oneLine(err);
      metrics.failures.inc();
      logger.error({ reason, refused: line }, `configuration reload refused, the previous configuration stays in force: ${line}`);
      return { outcome: 'refused', reason: line };
    }
    lastDigest = digest;
    const { config, changed } = keepRestartOnlySettings(live.current(), next);
    for (const { setting } of changed) {
      logger.warn({ setting }, `configuration reload: ${setting} changed and needs a restart; the old value stays in force until then`);
    }
    metrics.successes.inc();
    metrics.lastSuccess.setToCurrentTime();
    try {
      await live.replace(config);
    } catch (err) {
      // The new configuration is in force; a part that failed to follow (e.g. keys that did not open) says so itself.
      logger.warn({ err }, 'configuration reload: a part did not follow the new configuration');
    }
    logger.info(
      { reason, profiles: config.profiles.length, apiKeys: config.apiKeys.length, tenants: config.tenants.length },
      'configuration reloaded',
    );
    return { outcome: 'applied', restartOnly: changed.map((change) => change.setting) };
  };

  const reload = (reason = 'requested', force = true): Promise<ReloadOutcome> => {
    if (running) {
      // One more pass after the running one sees the newest file.
      again = { reason, force: force || again?.force === true };
      return running.then(() => running ?? Promise.resolve({ outcome: 'unchanged' as const }));
    }
    running = reloadOnce(reason, force).finally(() => {
      running = undefined;
      const next = again;
      again = undefined;
      if (next && !closed) void reload(next.reason, next.force);
    });
    return running;
  };

  const changedOnDisk = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload('file changed', false), debounceMs);
  };

  const watchers: FSWatcher[] = [];
  if (options.watchFiles !== false) {
    const name = basename(path);
    for (const [target, relevant] of [
      [path, () => true],
      // A rename or symlink swap in the directory; other files there do not matter ('..data' is a ConfigMap's swap).
      [dirname(path), (file: string | null) => file === null || file === name || file.startsWith('..')],
    ] as const) {
      try {
        const watcher = watch(target, { persistent: false }, (_event, file) => {
          if (relevant(typeof file === 'string' ? file : null)) changedOnDisk();
        });
        watcher.on('error', (err) => logger.warn({ err, target }, 'configuration watch failed; SIGHUP still reloads'));
        watchers.push(watcher);
      } catch (err) {
        logger.warn({ err, target }, 'cannot watch the configuration; SIGHUP still reloads');
      }
    }
  }
  const onSignal = options.onSignal ?? ((signal, listener) => {
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  const stopSignal = onSignal('SIGHUP', () => void reload('SIGHUP', true));

  return {
    reload: (reason) => reload(reason ?? 'requested', true),
    close() {
      closed = true;
      clearTimeout(timer);
      stopSignal();
      for (const watcher of watchers) watcher.close();
    },
  };
}
