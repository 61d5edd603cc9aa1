import { sampleEntry } from '@fleetsign/tlog/testing/sample-entry';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRedisConnection } from '@fleetsign/queue';
import { FsObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import { AppendLease, LogHeadCache, LogStore, TransparencyLog } from '../../../apps/signer/src';
import { compileTree, REPO_ROOT } from '../gateway/compiled-tree';
import { requireTestEnv } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';

// Appenders SIGKILLed at arbitrary points while another appender keeps going: the log stays
// gap-free and verifiable, every append a killed process saw acknowledged is in it once,
// and re-appending the jobs it had in flight (what the retried jobs do) gives each job
// exactly one entry.

const ROUNDS = 4;
const WAIT_MS = 30_000;

// The child: appends jobs `<name>_<n>` forever, 8 in flight, printing `start` and `ok` lines.
const RUNNER = `
const { TransparencyLog } = require('./apps/signer/src/transparency-log/transparency-log');
const { LogStore } = require('./apps/signer/src/transparency-log/log-store');
const { LogHeadCache } = require('./apps/signer/src/transparency-log/log-head-cache');
const { AppendLease } = require('./apps/signer/src/transparency-log/append-lease');
const { createRedisConnection } = require('./libs/queue/src');
const { FsObjectStore } = require('./libs/storage/src');
const { LogLayout } = require('./libs/tlog/src');
const [redisUrl, prefix, root, logRoot, name, entryJson] = process.argv.slice(2);
const redis = createRedisConnection(redisUrl, 'worker');
const store = new FsObjectStore({ root, publicBaseUrl: 'http://127.0.0.1:1/', signingSecret: 'x'.repeat(32) });
const log = new TransparencyLog(new LogStore(store, new LogLayout(logRoot)), new LogHeadCache(redis, prefix), new AppendLease(redis, prefix));
const template = JSON.parse(entryJson);
let n = 0;
async function lane() {
  for (;;) {
    const jobId = name + '_' + n++;
    process.stdout.write('start ' + jobId + '\\n');
    const logged = await log.append({ ...template, jobId });
    process.stdout.write('ok ' + jobId + ' ' + logged.entry.seq + '\\n');
  }
}
for (let i = 0; i < 8; i++) lane().catch((err) => { process.stderr.write(String(err) + '\\n'); process.exit(3); });
`;

let redis: Redis;
let workDir: string;
let storeRoot: string;
const testLog = new TestLog();
const prefix = `{fst-tlog-kill-${Date.now().toString(36)}}`;

beforeAll(async () => {
  redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  workDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'tlog-kill-'));
  storeRoot = mkdtempSync(join(requireTestEnv('tmpRoot'), 'tlog-kill-store-'));
  await compileTree(workDir, ['apps/signer/src/transparency-log', 'libs']);
  writeFileSync(join(workDir, 'runner.js'), RUNNER);
}, 120_000);

afterAll(async () => {
  await redis.quit();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(storeRoot, { recursive: true, force: true });
});

/** Starts an appender process; its `start`/`ok` lines are collected. */
function startAppender(name: string): { child: ChildProcess; started: Set<string>; acked: Map<string, number>; exited: Promise<string | null> } {
  const child = spawn(process.execPath, ['runner.js', requireTestEnv('redisUrl'), prefix, storeRoot, testLog.layout.root, name, JSON.stringify(sampleEntry('template'))], {
    cwd: workDir,
    env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = new Set<string>();
  const acked = new Map<string, number>();
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [what, jobId, seq] = line.split(' ');
      if (what === 'start') started.add(jobId);
      if (what === 'ok') acked.set(jobId, Number(seq));
    }
  });
  const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return { child, started, acked, exited };
}

/** Bounded poll (no fixed sleeps) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it('stays gap-free with one entry per job while appenders are SIGKILLed mid-append', async () => {
  const store = new FsObjectStore({ root: storeRoot, publicBaseUrl: 'http://127.0.0.1:1/', signingSecret: 'x'.repeat(32) });
  const survivor = new TransparencyLog(new LogStore(store, testLog.layout), new LogHeadCache(redis, prefix), new AppendLease(redis, prefix));
  const acked = new Map<string, number>();
  const inFlight: string[] = [];
  const survivorJobs: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const appender = startAppender(`killed${round}`);
    // Kill at a different point each round: after 5, 25, 45, 65 acknowledged appends.
    const target = 5 + round * 20;
    const racing = Array.from({ length: 10 }, (_, i) => `survivor${round}_${i}`);
    survivorJobs.push(...racing);
    const racingDone = Promise.all(racing.map((jobId) => survivor.append(sampleEntry(jobId))));
    await until(() => appender.acked.size >= target, `${target} appends of round ${round}`);
    appender.child.kill('SIGKILL');
    expect(await appender.exited).toBe('SIGKILL');
    await racingDone;
    for (const [jobId, seq] of appender.acked) acked.set(jobId, seq);
    inFlight.push(...[...appender.started].filter((jobId) => !appender.acked.has(jobId)));
  }
  // The killed processes' jobs are retried: each must end with exactly one entry.
  await Promise.all(inFlight.map((jobId) => survivor.append(sampleEntry(jobId))));

  const entries = await testLog.entries(store);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
  const byJob = new Map<string, number[]>();
  for (const e of entries) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e.seq]);
  expect([...byJob.values()].filter((seqs) => seqs.length > 1)).toEqual([]);
  for (const [jobId, seq] of acked) expect(byJob.get(jobId)).toEqual([seq]);
  for (const jobId of [...inFlight, ...survivorJobs]) expect(byJob.get(jobId)).toHaveLength(1);
  expect(acked.size).toBeGreaterThanOrEqual(5 + 25 + 45 + 65);
}, 180_000);
