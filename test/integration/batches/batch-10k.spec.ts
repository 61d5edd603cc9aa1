import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchField, batchRedisKeys } from '@fleetsign/queue';
import { freeLoopbackPort, stopChildProcess } from '../../support/redis-server';
import { requireTestEnv } from '../../support/test-env';
import { REPO_ROOT, compileGatewayTree } from '../gateway/compiled-tree';
import { gatewayTestEnv, pollUntil } from '../gateway/gateway-harness';
import { BatchStack, EC_PROFILE } from './batch-stack';

// A 10,000-item batch accepted by a gateway running in a process of its own (so its
// memory is its own): every item job is enqueued, pages of items can be read, and a
// replay adds nothing. Time and memory are reported, never asserted.

jest.setTimeout(180_000);

const ITEMS = 10_000;

/** A /proc/<pid>/status field in KiB (Linux). */
function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return undefined;
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Resets the peak RSS (VmHWM) of a process of ours to its current RSS. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

describe('a 10,000-item batch', () => {
  let stack: BatchStack;
  let workDir: string;
  let child: ChildProcess | undefined;
  let url: string;

  beforeAll(async () => {
    // The in-process gateway of the stack is only used for its identities and reads.
    stack = await BatchStack.start();
    workDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'batch-10k-'));
    await compileGatewayTree(workDir);
    const port = await freeLoopbackPort();
    child = spawn(process.execPath, [join(workDir, 'apps/gateway/src/main.js')], {
      cwd: workDir,
      env: {
        ...process.env,
        ...gatewayTestEnv(stack.configPath, stack.prefix),
        NODE_PATH: join(REPO_ROOT, 'node_modules'),
        FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
        FLEETSIGN_GATEWAY_PORT: String(port),
        FLEETSIGN_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    url = `http://127.0.0.1:${port}`;
    const ready = await pollUntil(
      () =>
        fetch(`${url}/healthz`).then(
          (res) => res.status,
          () => 0,
        ),
      (status) => status === 200,
      400,
    );
    expect(ready).toBe(200);
  });

  afterAll(async () => {
    if (child) await stopChildProcess(child, 'SIGTERM');
    await stack?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const post = (body: unknown, idempotencyKey: string) =>
    fetch(`${url}/v1/batches`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.tokenA}`,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body: JSON.stringify(body),
    });

  it('is accepted with every item job enqueued, pages readable, and a replay adding nothing', async () => {
    const items = Array.from({ length: ITEMS }, (_, i) => ({
      source: { key: `incoming/${stack.tenantA}/fleet/device-${String(i).padStart(5, '0')}.bin` },
    }));
    const body = { profile: EC_PROFILE, items };
    // Warm the process up (JIT, connections) so the figures are about the batch.
    expect((await post({ profile: EC_PROFILE, items: items.slice(0, 10) }, 'warm-up')).status).toBe(202);

    const pid = child?.pid as number;
    const rssBeforeKiB = procStatusKiB(pid, 'VmRSS');
    if (rssBeforeKiB !== undefined) resetPeakRss(pid);
    const started = performance.now();
    const res = await post(body, 'fleet-rollout-10k');
    const elapsedMs = performance.now() - started;
    const peakKiB = procStatusKiB(pid, 'VmHWM');
    const rssAfterKiB = procStatusKiB(pid, 'VmRSS');
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; total: number; state: string };
    expect(accepted).toMatchObject({ total: ITEMS, state: 'queued' });

    const counts = await stack.signQueue.getJobCounts('prioritized', 'waiting');
    expect(counts.prioritized + counts.waiting).toBe(ITEMS + 10);
    expect(
      await stack.redis.hget(batchRedisKeys(stack.prefix, accepted.id).record, BatchField.enqueued),
    ).toBe(String(ITEMS));

    const view = await stack.batch(stack.tokenA, accepted.id);
    expect(view.body).toMatchObject({
      state: 'queued',
      total: ITEMS,
      counts: { queued: ITEMS, active: 0, succeeded: 0, failed: 0 },
    });
    const all = await stack.allItems(stack.tokenA, accepted.id, 'all', 1000);
    expect(all).toHaveLength(ITEMS);
    expect(all.map((item) => item.index)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    expect(all[ITEMS - 1]).toMatchObject({ name: 'device-09999.bin', state: 'queued' });

    const replayStarted = performance.now();
    const replay = await post(body, 'fleet-rollout-10k');
    const replayMs = performance.now() - replayStarted;
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as { id: string }).id).toBe(accepted.id);
    const after = await stack.signQueue.getJobCounts('prioritized', 'waiting');
    expect(after.prioritized + after.waiting).toBe(ITEMS + 10);

    const bodyBytes = Buffer.byteLength(JSON.stringify(body));
    const mib = (kib: number | undefined) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
    console.log(
      `10,000-item POST /v1/batches: ${Math.round(elapsedMs)} ms (body ${(bodyBytes / 1024).toFixed(0)} KiB); ` +
        `gateway RSS ${mib(rssBeforeKiB)} before, peak ${mib(peakKiB)} during, ${mib(rssAfterKiB)} after; ` +
        `idempotent replay ${Math.round(replayMs)} ms`,
    );
  });
});
