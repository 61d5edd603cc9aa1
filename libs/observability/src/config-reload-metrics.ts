import { Counter, Gauge, type Registry } from 'prom-client';

// Configuration reloads (SIGHUP, file changed on disk) are counted the same way in every
// FleetSign process, so one alert ("a reload was refused") covers the gateway, the signer
// and the notifier.

/** The reload metrics of one process registry. */
export interface ConfigReloadMetrics {
  /** Reloads refused (invalid file): the previous configuration stayed in force. */
  failures: Counter;
  /** Reloads applied. */
  successes: Counter;
  /** Unix time of the last configuration applied (start-up or reload). */
  lastSuccess: Gauge;
}

const NAMES = {
  failures: 'fleetsign_config_reload_failures_total',
  successes: 'fleetsign_config_reloads_total',
  lastSuccess: 'fleetsign_config_last_reload_success_timestamp_seconds',
} as const;

/** Registers the reload metrics in `registry` (createServiceRegistry does, for every process). */
export function registerConfigReloadMetrics(registry: Registry): ConfigReloadMetrics {
  const metrics = {
    failures: new Counter({ name: NAMES.failures, help: 'Configuration reloads refused (invalid file); the previous configuration stayed in force', registers: [registry] }),
    successes: new Counter({ name: NAMES.successes, help: 'Configuration reloads applied (SIGHUP or the file changed on disk)', registers: [registry] }),
    lastSuccess: new Gauge({ name: NAMES.lastSuccess, help: 'Unix time the configuration in force was loaded (start-up or last reload)', registers: [registry] }),
  };
  metrics.lastSuccess.setToCurrentTime();
  return metrics;
}

/** The reload metrics a service registry holds. */
export function configReloadMetricsOf(registry: Registry): ConfigReloadMetrics {
  const get = <T>(name: string) => {
    const metric = registry.getSingleMetric(name);
    if (!metric) throw new Error(`metric ${name} is not registered (use createServiceRegistry)`);
    return metric as T;
  };
  return { failures: get<Counter>(NAMES.failures), successes: get<Counter>(NAMES.successes), lastSuccess: get<Gauge>(NAMES.lastSuccess) };
}
