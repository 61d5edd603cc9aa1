import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readProfileKeys } from '@fleetsign/queue/profile-key-directory';
import type { ClientEvent } from '../../../apps/cli/src/commands/client';
import { CLIENT_PROFILES, ClientStack, ClientWorkspace, espImage, expectExit, verifiesWith } from './client-test-kit';

// `fleetsign batch` against a real gateway and signer: a folder of generated images
// signed as one batch, partial failure, and resuming an interrupted run without
// uploading or signing anything twice.

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The batch manifest as the client saves it. */
interface Manifest {
  batchId: string;
  profile: string;
  counts: { total: number; succeeded: number; failed: number };
  items: Array<{ index: number; name: string; state: string; signedSha256?: string; error?: { code: string; message: string } }>;
}

/** The --json summary of `batch`. */
interface Summary {
  batchId: string;
  total: number;
  succeeded: number;
  failed: number;
  uploaded: number;
  downloaded: number;
  alreadyPresent: number;
  resumed: boolean;
  imagesPerSec: number;
  manifestPath: string;
  failures: Array<{ name: string; code: string; message: string }>;
}

/** Bounds each batch run's wait for the service, so a stuck batch fails the test with the client's own message. */
const WAIT = ['--timeout', '30'];

let stack: ClientStack;
let ws: ClientWorkspace;
let rsaPems: string[];

beforeAll(async () => {
  stack = await ClientStack.start();
  ws = new ClientWorkspace();
  const record = await readProfileKeys(stack.harness.redis, stack.harness.prefix, CLIENT_PROFILES.rsa);
  rsaPems = record!.keys.map((key) => key.publicKeyPem);
});

afterAll(async () => {
  await stack?.close();
  ws?.remove();
});

/** Writes `count` distinct ESP32-S3 images `fw-NN.bin` into a new folder; returns it and the images by name. */
function imageFolder(name: string, count: number, firstSeed: number): { dir: string; images: Map<string, Buffer> } {
  const dir = ws.path(name);
  mkdirSync(dir);
  const images = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const file = `fw-${String(i).padStart(2, '0')}.bin`;
    const image = espImage(firstSeed + i);
    images.set(file, image);
    ws.write(join(name, file), image);
  }
  return { dir, images };
}

function readManifest(outDir: string): Manifest {
  return JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
}

/** Every image is in `outDir`, signed over its own bytes, verifying with the profile key, as the manifest says. */
function expectSignedOutputs(outDir: string, images: Map<string, Buffer>): void {
  const manifest = readManifest(outDir);
  for (const [name, image] of images) {
    const signed = readFileSync(join(outDir, name));
    expect(signed.subarray(0, image.length).equals(image)).toBe(true);
    expect(verifiesWith(signed, rsaPems)).toBe(true);
    expect(manifest.items.find((item) => item.name === name)?.signedSha256).toBe(sha256(signed));
  }
}

describe('fleetsign batch', () => {
  it('signs a folder of 20 images as one batch and downloads them with the manifest', async () => {
    const { dir, images } = imageFolder('twenty', 20, 1000);
    const out = ws.path('twenty-out');
    const before = await stack.signOperations();
    const run = await stack.run(['batch', dir, '--profile', CLIENT_PROFILES.rsa, '--out', out, '--concurrency', '4', '--json', ...WAIT, ...stack.connection]);
    expectExit(run, 0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary).toMatchObject({ total: 20, succeeded: 20, failed: 0, uploaded: 20, downloaded: 20, alreadyPresent: 0, resumed: false, failures: [] });
    expect(summary.batchId).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(summary.imagesPerSec).toBeGreaterThan(0);
    expect(summary.manifestPath).toBe(join(out, 'manifest.json'));

    expect(ws.files('twenty-out')).toEqual(['.fleetsign-batch.json', ...[...images.keys()].sort(), 'manifest.json']);
    const manifest = readManifest(out);
    expect(manifest).toMatchObject({ batchId: summary.batchId, profile: CLIENT_PROFILES.rsa, counts: { total: 20, succeeded: 20, failed: 0 } });
    expectSignedOutputs(out, images);
    expect((await stack.signOperations()) - before).toBe(20);
    // Plain progress (stderr is not a terminal here): the last line of each phase.
    for (const phase of ['hash', 'upload', 'download']) expect(run.stderr).toMatch(new RegExp(`^${phase} 20/20 \\(100%\\), [0-9.]+ items/s, in \\d+s$`, 'm'));
    // Signing tells signed and failed apart.
    expect(run.stderr).toMatch(/^sign 20\/20 \(100%\): 20 signed, 0 failed, [0-9.]+ items\/s, in \d+s$/m);

    const status = await stack.run(['status', summary.batchId, ...stack.connection]);
    expectExit(status, 0);
    expect(status.stdout).toContain(`Batch ${summary.batchId}: completed (profile ${CLIENT_PROFILES.rsa})`);
    expect(status.stdout).toContain('Items: 20 total, 20 succeeded, 0 failed, 0 active, 0 queued (100%)');
    expect(status.stdout).toContain('Requested by: client-ci');
  });

  it('reports an image the signer refuses, exit 1, and still downloads the others', async () => {
    const { dir, images } = imageFolder('partial', 5, 2000);
    ws.write(join('partial', 'broken.bin'), Buffer.alloc(8192, 0x5a));
    const out = ws.path('partial-out');
    const run = await stack.run(['batch', dir, '-p', CLIENT_PROFILES.rsa, '-o', out, ...WAIT, ...stack.connection]);
    expectExit(run, 1);
    expect(run.stdout).toMatch(/^Batch batch_[0-9a-f]{32} \(profile cl-rsa\): 6 images, 5 signed \(0 reused\), 1 failed$/m);
    expect(run.stdout).toMatch(/^Failed \(1\):\n {2}broken\.bin: INVALID_IMAGE: .+$/m);
    expect(run.stdout).toContain(`Manifest: ${join(out, 'manifest.json')}`);
    expect(existsSync(join(out, 'broken.bin'))).toBe(false);
    expectSignedOutputs(out, images);
    const manifest = readManifest(out);
    expect(manifest.counts).toEqual({ total: 6, succeeded: 5, failed: 1 });
    expect(manifest.items.find((item) => item.name === 'broken.bin')).toMatchObject({ state: 'failed', error: { code: 'INVALID_IMAGE' } });
  });

  it('takes the files a pattern names', async () => {
    const { dir } = imageFolder('pattern', 4, 3000);
    const out = ws.path('pattern-out');
    const run = await stack.run(['batch', join(dir, 'fw-0[12].bin'), '-p', CLIENT_PROFILES.rsa, '-o', out, '--json', ...WAIT, ...stack.connection]);
    expectExit(run, 0);
    expect((JSON.parse(run.stdout) as Summary).total).toBe(2);
    expect(ws.files('pattern-out')).toEqual(['.fleetsign-batch.json', 'fw-01.bin', 'fw-02.bin', 'manifest.json']);
  });

  it('resumes an interrupted run: same batch, nothing uploaded or signed twice, every output present', async () => {
    const { dir, images } = imageFolder('resume', 12, 4000);
    const out = ws.path('resume-out');
    const argv = ['batch', dir, '-p', CLIENT_PROFILES.rsa, '-o', out, '--concurrency', '2', '--json', ...WAIT, ...stack.connection];
    const before = await stack.signOperations();
    const events: ClientEvent[][] = [];

    /** Runs the batch, aborting once `stopAt` says so. */
    const runUntil = async (stopAt?: (seen: ClientEvent[]) => boolean) => {
      const seen: ClientEvent[] = [];
      events.push(seen);
      const controller = new AbortController();
      return stack.run(argv, {
        signal: controller.signal,
        onEvent: (event) => {
          seen.push(event);
          if (stopAt?.(seen)) controller.abort();
        },
      });
    };
    const count = (seen: ClientEvent[], type: ClientEvent['type']) => seen.filter((event) => event.type === type).length;

    // 1: interrupted while uploading.
    const first = await runUntil((seen) => count(seen, 'uploaded') === 4);
    expectExit(first, 2);
    expect(first.stderr).toMatch(/^fleetsign: interrupted; run the same command again to resume$/m);
    expect(count(events[0], 'batch-created')).toBe(0);

    // 2: uploads the rest, creates the batch, interrupted while downloading.
    const second = await runUntil((seen) => count(seen, 'downloaded') === 3);
    expectExit(second, 2);
    const created = events[1].find((event) => event.type === 'batch-created');
    expect(created).toMatchObject({ type: 'batch-created', resumed: false });
    const batchId = (created as { batchId: string }).batchId;
    expect(count(events[0], 'uploaded') + count(events[1], 'uploaded')).toBe(12);
    expect((await stack.signOperations()) - before).toBe(12);

    // 3: same batch, no upload, no signature; keeps what is there and downloads the rest.
    const third = await runUntil();
    expectExit(third, 0);
    expect(events[2].find((event) => event.type === 'batch-created')).toEqual({ type: 'batch-created', batchId, resumed: true });
    const summary = JSON.parse(third.stdout) as Summary;
    expect(summary).toMatchObject({ batchId, total: 12, succeeded: 12, uploaded: 0, resumed: true });
    expect(summary.alreadyPresent).toBeGreaterThanOrEqual(3);
    expect(summary.downloaded + summary.alreadyPresent).toBe(12);
    expect(count(events[2], 'uploaded')).toBe(0);
    expectSignedOutputs(out, images);

    // 4: nothing left to do.
    const fourth = await runUntil();
    expectExit(fourth, 0);
    expect(JSON.parse(fourth.stdout)).toMatchObject({ batchId, uploaded: 0, downloaded: 0, alreadyPresent: 12 });
    expect((await stack.signOperations()) - before).toBe(12);
    expect(ws.files('resume-out').filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 150_000);

  it('without its resume record, re-running signs nothing again (the service reuses its signatures)', async () => {
    const { dir, images } = imageFolder('lost-state', 3, 5000);
    const out = ws.path('lost-state-out');
    const argv = ['batch', dir, '-p', CLIENT_PROFILES.rsa, '-o', out, '--json', ...WAIT, ...stack.connection];
    const first = await stack.run(argv);
    expectExit(first, 0);
    const before = await stack.signOperations();
    rmSync(join(out, '.fleetsign-batch.json'));
    rmSync(join(out, 'fw-00.bin'));

    const again = await stack.run(argv);
    expectExit(again, 0);
    const summary = JSON.parse(again.stdout) as Summary;
    expect(summary).toMatchObject({ total: 3, succeeded: 3, uploaded: 3, downloaded: 1, alreadyPresent: 2 });
    // Without a record this is a first run of the folder: no note about what it "no longer records";
    // the summary says the signatures were reused.
    expect((summary as Summary & { reused: number }).reused).toBe(3);
    expect(again.stderr).not.toContain('note:');
    expect((await stack.signOperations()) - before).toBe(0);
    expectSignedOutputs(out, images);
  }, 90_000);

  it('refuses an output folder where signed images would overwrite their inputs', async () => {
    const { dir } = imageFolder('same-dir', 1, 6000);
    const run = await stack.run(['batch', dir, '-p', CLIENT_PROFILES.rsa, '-o', dir, ...stack.connection]);
    expectExit(run, 2);
    expect(run.stderr).toBe(`fleetsign: the signed "fw-00.bin" would overwrite its input "${join(dir, 'fw-00.bin')}"; choose another --out folder\n`);
  });
});
