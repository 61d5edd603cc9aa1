import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientEvent } from '../client-runtime';
import { FleetSignApi } from '@fleetsign/api';
import { createProgressReporter } from '../progress';
import { FakeGateway } from '../testing/fake-gateway';
import { BATCH_STATE_FILE } from './batch-state';
import { type BatchRequest, runBatch } from './run-batch';

// The batch flow against an in-memory gateway: outputs, paging, partial failure,
// resume after an interrupt, a lost resume record and stale uploads.

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const apiKey = 'fsk_unit_batch_key';

describe('runBatch', () => {
  let fake: FakeGateway;
  let dir: string;
  let src: string;
  let out: string;
  let warnings: string[];

  beforeEach(async () => {
    fake = await FakeGateway.start();
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-batch-'));
    src = join(dir, 'src');
    out = join(dir, 'out');
    mkdirSync(src);
    warnings = [];
  });
  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const images = (count: number, bad: string[] = []) => {
    for (let i = 0; i < count; i++) writeFileSync(join(src, `img-${i}.bin`), `image ${i}`);
    for (const name of bad) writeFileSync(join(src, name), 'BAD bytes');
  };
  const request = (extra: Partial<BatchRequest> = {}): BatchRequest => ({
    source: src,
    profile: 'rel',
    outDir: out,
    concurrency: 2,
    fresh: false,
    recursive: false,
    timeoutMs: 10_000,
    ...extra,
  });
  const run = (
    options: { signal?: AbortSignal; onEvent?: (event: ClientEvent) => void; progressLines?: string[]; stallAfterMs?: number } = {},
  ) => {
    const signal = options.signal ?? new AbortController().signal;
    const lines = options.progressLines;
    return runBatch(request(), {
      api: new FleetSignApi({ baseUrl: fake.url, apiKey, signal }),
      server: fake.url,
      apiKey,
      signal,
      progress: lines
        ? createProgressReporter({ mode: 'lines', writeLine: (line) => lines.push(line), lineIntervalMs: 0 })
        : createProgressReporter({ mode: 'none', writeLine: () => undefined }),
      warn: (line) => warnings.push(line),
      onEvent: options.onEvent,
      pollBackoff: { initialMs: 1, maxMs: 2, factor: 2 },
      stallAfterMs: options.stallAfterMs,
    });
  };
  const expectOutputs = (count: number) => {
    for (let i = 0; i < count; i++) {
      expect(readFileSync(join(out, `img-${i}.bin`), 'utf8')).toBe(`image ${i}+SIGNED`);
    }
  };

  it('uploads, submits, waits, pages through the items and downloads every signed image', async () => {
    images(7);
    const report = await run();
    expect(report).toMatchObject({ total: 7, succeeded: 7, failed: 0, reused: 0, uploaded: 7, downloaded: 7, alreadyPresent: 0, resumed: false });
    expect(report.batchId).toMatch(/^batch_/);
    expectOutputs(7);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ batchId: report.batchId });
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(fake.signatures).toBe(7);
    // The state file never holds the key.
    expect(readFileSync(join(out, BATCH_STATE_FILE), 'utf8')).not.toContain(apiKey);
  });

  it('uploads identical images once and lists failed items without hiding the others', async () => {
    images(3, ['broken.bin']);
    writeFileSync(join(src, 'copy.bin'), 'image 1');
    const report = await run();
    expect(report).toMatchObject({ total: 5, succeeded: 4, failed: 1, uploaded: 4 });
    expect(report.failures).toEqual([{ index: 0, name: 'broken.bin', jobId: expect.stringMatching(/^job_/), code: 'INVALID_IMAGE', message: 'not an ESP image' }]);
    expect(existsSync(join(out, 'broken.bin'))).toBe(false);
    expect(readFileSync(join(out, 'copy.bin'), 'utf8')).toBe('image 1+SIGNED');
    expectOutputs(3);
  });

  it('shows signed and failed apart in the sign progress, also when every image fails', async () => {
    images(0, ['a.bin', 'b.bin']);
    const lines: string[] = [];
    const report = await run({ progressLines: lines });
    expect(report).toMatchObject({ total: 2, succeeded: 0, failed: 2, signedPerSec: 0 });
    const signLines = lines.filter((line) => line.startsWith('sign '));
    expect(signLines.at(-1)).toMatch(/^sign 2\/2 \(100%\): 0 signed, 2 failed, /);
  });

  it('says when nothing is being processed instead of an empty ETA', async () => {
    images(2);
    fake.readsUntilDone = 4;
    const lines: string[] = [];
    const report = await run({ progressLines: lines, stallAfterMs: 0 });
    expect(report.succeeded).toBe(2);
    const stalled = lines.filter((line) => line.includes('no signer is taking jobs'));
    expect(stalled.length).toBeGreaterThan(0);
    expect(stalled[0]).toMatch(/^sign 0\/2 \(0%\): 0 signed, 0 failed, 0\.0 items\/s, nothing processed for \d+s: 2 queued, no signer/);
    // Past the first read (before any quiet time), the sign line never shows a bare unknown ETA.
    const signLines = lines.filter((line) => line.startsWith('sign '));
    expect(signLines.slice(1).filter((line) => line.includes('ETA --'))).toEqual([]);
  });

  it('resumes after interrupts without uploading or signing anything twice', async () => {
    images(6);
    const abortOn = (type: ClientEvent['type'], after: number) => {
      const controller = new AbortController();
      let seen = 0;
      return { signal: controller.signal, onEvent: (event: ClientEvent) => event.type === type && ++seen === after && controller.abort() };
    };
    await expect(run(abortOn('uploaded', 2))).rejects.toMatchObject({ name: 'AbortError' });
    const recorded = Object.keys((JSON.parse(readFileSync(join(out, BATCH_STATE_FILE), 'utf8')) as { uploads: object }).uploads).length;
    expect(recorded).toBeGreaterThanOrEqual(2);
    expect(fake.batches.size).toBe(0);
    const putsBefore = fake.uploads;

    await expect(run(abortOn('downloaded', 2))).rejects.toMatchObject({ name: 'AbortError' });
    // Only what the first run had not recorded is uploaded again.
    expect(fake.uploads - putsBefore).toBe(6 - recorded);
    expect(fake.batches.size).toBe(1);
    const putsAfter = fake.uploads;
    const [batchId] = fake.batches.keys();

    const events: ClientEvent[] = [];
    const report = await run({ onEvent: (event) => events.push(event) });
    expect(report).toMatchObject({ batchId, resumed: true, uploaded: 0, succeeded: 6 });
    expect(report.alreadyPresent).toBeGreaterThanOrEqual(2);
    expect(report.downloaded + report.alreadyPresent).toBe(6);
    expect(events).toContainEqual({ type: 'batch-created', batchId, resumed: true });
    expect(fake.uploads).toBe(putsAfter);
    expect(fake.signatures).toBe(6);
    expectOutputs(6);
  });

  it('keeps the folder tree of --recursive inputs in the output folder', async () => {
    images(1);
    mkdirSync(join(src, 'board-b'));
    writeFileSync(join(src, 'board-b', 'img-0.bin'), 'board b image');
    const report = await runBatch(request({ recursive: true }), {
      api: new FleetSignApi({ baseUrl: fake.url, apiKey }),
      server: fake.url,
      apiKey,
      signal: new AbortController().signal,
      progress: createProgressReporter({ mode: 'none', writeLine: () => undefined }),
      warn: (line) => warnings.push(line),
      pollBackoff: { initialMs: 1, maxMs: 2, factor: 2 },
    });
    expect(report).toMatchObject({ total: 2, succeeded: 2 });
    expectOutputs(1);
    expect(readFileSync(join(out, 'board-b', 'img-0.bin'), 'utf8')).toBe('board b image+SIGNED');
    const [batch] = fake.batches.values();
    expect(batch.items.map((item) => item.name)).toEqual(['board-b--img-0.bin', 'img-0.bin']);
  });

  it('re-downloads an output whose bytes were changed', async () => {
    images(2);
    await run();
    writeFileSync(join(out, 'img-0.bin'), 'tampered');
    const report = await run();
    expect(report).toMatchObject({ downloaded: 1, alreadyPresent: 1, uploaded: 0 });
    expectOutputs(2);
  });

  it('starts a new batch of reused signatures, without a note, on a first run of this folder (409 on the same key)', async () => {
    images(3);
    const first = await run();
    rmSync(join(out, BATCH_STATE_FILE));
    const second = await run();
    expect(second.batchId).not.toBe(first.batchId);
    expect(second).toMatchObject({ uploaded: 3, reused: 3, alreadyPresent: 3, downloaded: 0 });
    // Nothing recorded here before: no claim about what this folder "no longer records".
    expect(warnings).toEqual([]);
    expect(fake.signatures).toBe(3);

    // The new batch is recorded under the files' key: a third run resumes it.
    const third = await run();
    expect(third).toMatchObject({ batchId: second.batchId, resumed: true, uploaded: 0 });
  });

  it('notes a new batch when this folder\'s record no longer matches what was submitted', async () => {
    images(2);
    await run();
    const statePath = join(out, BATCH_STATE_FILE);
    const record = JSON.parse(readFileSync(statePath, 'utf8')) as { uploads: Record<string, unknown>; batchId?: string };
    delete record.batchId;
    delete record.uploads[Object.keys(record.uploads)[0]];
    writeFileSync(statePath, JSON.stringify(record));
    const report = await run();
    expect(report).toMatchObject({ uploaded: 1, reused: 2, resumed: false });
    expect(warnings).toEqual([expect.stringContaining('note: these files were submitted before from uploads this folder no longer records')]);
    expect(fake.signatures).toBe(2);
  });

  it('uploads again when the recorded uploads are gone from the store', async () => {
    images(2);
    const controller = new AbortController();
    await expect(
      run({ signal: controller.signal, onEvent: (event) => event.type === 'uploaded' && fake.uploads === 2 && controller.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const recorded = JSON.parse(readFileSync(join(out, BATCH_STATE_FILE), 'utf8')) as { uploads: Record<string, unknown> };
    expect(Object.keys(recorded.uploads)).toHaveLength(2);
    fake.objects.clear();
    const report = await run();
    expect(report).toMatchObject({ succeeded: 2, uploaded: 2 });
    expect(fake.uploads).toBe(4);
    expectOutputs(2);
  });

  it('refuses inputs that would overwrite themselves or the folder records', async () => {
    images(1);
    await expect(runBatch(request({ outDir: src }), {} as never)).rejects.toThrow('would overwrite its input');
    writeFileSync(join(src, 'manifest.json'), '{}');
    await expect(runBatch(request({ source: join(src, '*.json') }), {} as never)).rejects.toThrow("would clash with the batch's manifest.json");
  });

  it('verifies every download against the digest the service gave', async () => {
    images(1);
    const report = await run();
    const signed = readFileSync(join(out, 'img-0.bin'));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { items: Array<{ signedSha256: string }> };
    expect(manifest.items[0].signedSha256).toBe(sha256(signed));
    expect(report.downloaded).toBe(1);
  });
});
