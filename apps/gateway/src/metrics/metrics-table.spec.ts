import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { NotifierMetrics } from '../../../notifier/src/metrics/notifier-metrics';
import { SignerMetrics } from '../../../signer/src/observability/signer-metrics';
import { GatewayMetrics } from './gateway-metrics';

// The README's metrics table is the operators' reference: every FleetSign metric of
// every process has a row (name, type, labels), and no row names a metric that is gone.

const README = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');

function documented(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const match of README.matchAll(/^\| `(fleetsign_[a-z_]+)` \| (counter|gauge|histogram) \|([^|]*)\|/gm)) {
    const labels = match[3].split(',').map((label) => label.trim()).filter((label) => label !== '');
    rows.set(match[1], { type: match[2], labels });
  }
  return rows;
}

async function defined(registries: Registry[]): Promise<Map<string, { type: string; labels: string[] }>> {
  const metrics = new Map<string, { type: string; labels: string[] }>();
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      if (!metric.name.startsWith('fleetsign_')) continue;
      const { labelNames = [] } = metric as unknown as { labelNames?: string[] };
      const { type } = await (metric as unknown as { get(): Promise<{ type: string }> }).get();
      metrics.set(metric.name, { type, labels: labelNames.filter((label) => label !== 'le') });
    }
  }
  return metrics;
}

describe('README metrics table', () => {
  it('lists every FleetSign metric with its type and labels, and nothing else', async () => {
    const actual = await defined([new GatewayMetrics().registry, new SignerMetrics().registry, new NotifierMetrics().registry]);
    expect(actual.size).toBeGreaterThan(10);
    expect(Object.fromEntries(documented())).toEqual(Object.fromEntries(actual));
  });
});
