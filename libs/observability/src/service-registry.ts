import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerConfigReloadMetrics } from './config-reload-metrics';

/**
 * prom-client's gauges named like counters (promtool: "non-counter metrics should not
 * have _total suffix"). Each is the sum over `type` of the same gauge without the
 * suffix (`nodejs_active_handles{type=...}`), which stays: nothing is lost.
 */
export const DROPPED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/** The FleetSign processes that expose /metrics. */
export type FleetSignService = 'gateway' | 'signer' | 'notifier';

/**
 * A metrics registry of one process: prom-client's default Node.js metrics under their
 * standard names (`process_cpu_user_seconds_total`, `nodejs_eventloop_lag_seconds`, ...,
 * so stock Node.js dashboards match) and a `service` label on every series, which tells
 * the processes apart; promtool `check metrics` finds nothing to report. A registry of its own, so two services in one process (tests)
 * never collide on prom-client's global registry.
 */
export function createServiceRegistry(service: FleetSignService): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  registerConfigReloadMetrics(registry);
  return registry;
}
