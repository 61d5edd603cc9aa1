import { Counter } from 'prom-client';
import { DROPPED_DEFAULT_METRICS, createServiceRegistry } from './service-registry';

describe('createServiceRegistry', () => {
  it('exposes the default Node.js metrics under their standard names, each with the service label', async () => {
    const registry = createServiceRegistry('signer');
    new Counter({ name: 'fleetsign_test_total', help: 'test', labelNames: ['outcome'], registers: [registry] }).inc({ outcome: 'ok' });
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="signer"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="signer"\} /m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes\{service="signer"\} /m);
    expect(text).toContain('fleetsign_test_total{outcome="ok",service="signer"} 1');
    expect(text).not.toMatch(/fleetsign_signer_(process|nodejs)_/);
    for (const name of DROPPED_DEFAULT_METRICS) expect(text).not.toContain(`${name}{`);
    // Every sample line carries the label.
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.filter((line) => !line.includes('service="signer"'))).toEqual([]);
  });

  it('keeps two registries apart (two services in one process)', async () => {
    const gateway = createServiceRegistry('gateway');
    const notifier = createServiceRegistry('notifier');
    expect(await gateway.metrics()).not.toContain('service="notifier"');
    expect(await notifier.metrics()).not.toContain('service="gateway"');
  });
});
