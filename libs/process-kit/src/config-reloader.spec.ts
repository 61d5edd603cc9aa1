import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type FleetSignConfig, LiveConfig, loadFleetSignConfig } from '@fleetsign/config';
import { configReloadMetricsOf, createServiceRegistry } from '@fleetsign/observability';
import { stringify } from 'yaml';
import { startConfigReloader } from './config-reloader';
import { createProcessLogger } from './process-logger';

const TOKEN = 'a'.repeat(64);

function fileText(tenants: string[], origin = 'a.example/log'): string {
  return stringify({
    version: 1,
    profiles: [{ name: 'dev', scheme: 'sbv2-ecdsa-p256', keys: [{ provider: 'pem', path: 'dev.pem' }], state: 'active' }],
    tenants: tenants.map((name) => ({ name })),
    api_keys: [{ id: 'ci', token_sha256: TOKEN, tenant: tenants[0], profiles: ['*'], scopes: ['sign'] }],
    transparency_log: { origin, key: { provider: 'pem', path: 'log.pem' } },
  });
}

function setUp(watchFiles = true) {
  const dir = mkdtempSync(join(tmpdir(), 'reloader-'));
  const path = join(dir, 'fleetsign.yaml');
  writeFileSync(path, fileText(['acme']));
  const live = new LiveConfig(loadFleetSignConfig(path, {}));
  const lines: Array<Record<string, unknown>> = [];
  const logger = createProcessLogger({ name: 'test', redact: [] }, new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  }));
  const metrics = configReloadMetricsOf(createServiceRegistry('gateway'));
  let hangUp: () => void = () => undefined;
  const reloader = startConfigReloader({
    path,
    live,
    load: (file) => loadFleetSignConfig(file, {}),
    logger,
    metrics,
    debounceMs: 10,
    watchFiles,
    onSignal: (_signal, listener) => ((hangUp = listener), () => (hangUp = () => undefined)),
  });
  const next = () => new Promise<FleetSignConfig>((resolve) => {
    const off = live.onChange((config) => (off(), resolve(config)));
  });
  const count = async (name: 'failures' | 'successes') => (await metrics[name].get()).values[0]?.value ?? 0;
  return { dir, path, live, lines, reloader, next, count, hangUp: () => hangUp(), close: () => (reloader.close(), rmSync(dir, { recursive: true, force: true })) };
}

describe('startConfigReloader', () => {
  it('refuses an invalid file with one line naming the setting, counts it and keeps the configuration in force', async () => {
    const t = setUp();
    try {
      writeFileSync(t.path, fileText(['acme']).replace('state: active', 'state: paused'));
      const outcome = await t.reloader.reload();
      expect(outcome).toEqual({ outcome: 'refused', reason: `INVALID_CONFIG: ${t.path}: profiles[0].state: must be one of active, retiring, revoked` });
      expect(await t.count('failures')).toBe(1);
      expect(await t.count('successes')).toBe(0);
      expect(t.live.current().tenants.map((tenant) => tenant.name)).toEqual(['acme']);
      expect(t.lines.at(-1)).toMatchObject({ level: 50, msg: expect.stringContaining('configuration reload refused, the previous configuration stays in force: INVALID_CONFIG') });
    } finally {
      t.close();
    }
  });

  it('applies a file renamed over the old one (as editors and ConfigMaps do) without a signal', async () => {
    const t = setUp();
    try {
      const applied = t.next();
      writeFileSync(`${t.path}.new`, fileText(['acme', 'beta']));
      renameSync(`${t.path}.new`, t.path);
      expect((await applied).tenants.map((tenant) => tenant.name)).toEqual(['acme', 'beta']);
      expect(await t.count('successes')).toBe(1);
    } finally {
      t.close();
    }
  });

  it('reloads on SIGHUP, keeping a changed transparency_log section until a restart and saying so', async () => {
    const t = setUp(false);
    try {
      writeFileSync(t.path, fileText(['acme', 'gamma'], 'b.example/log'));
      const applied = t.next();
      t.hangUp();
      const config = await applied;
      expect(config.tenants).toHaveLength(2);
      expect(config.transparencyLog?.origin).toBe('a.example/log');
      expect(t.lines.some((line) => line.setting === 'transparency_log.origin' && String(line.msg).includes('needs a restart'))).toBe(true);
    } finally {
      t.close();
    }
  });
});
