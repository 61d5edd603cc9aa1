import { pollUntil } from '@fleetsign/devstack';
import { buildEspImage } from '@fleetsign/secure-boot';
import { SIGNER_PROCESS_ENV } from '../../apps/signer/src';
import { HeldSignerFleet } from './support/held-signer-fleet';
import type { HeldRequest } from './support/holding-proxy';
import { expectSignedWithPublishedKeys } from './support/signed-file-checks';
import { download } from './support/signing-client';

// A signer process killed with SIGKILL in the middle of a job. The kill lands at a known
// point: the first signer reaches the object store through a proxy that withholds the
// answer to its PUT of the signed file, so the file is stored but the job is neither
// recorded nor finished when the process dies. A second signer process takes the stalled
// job over; the job ends with one signed file and one log entry, and the log verifies.

const ESP32_S3 = 9;
/** Short lock and stalled-check period, so the job is taken over within seconds. */
const LOCK_DURATION_MS = 2_000;
const STALLED_INTERVAL_MS = 1_000;

const fleet = new HeldSignerFleet('crash', [{ name: 'release-rsa', scheme: 'sbv2-rsa3072', keys: ['rsa3072'] }], {
  [SIGNER_PROCESS_ENV.lockDurationMs]: String(LOCK_DURATION_MS),
  [SIGNER_PROCESS_ENV.stalledIntervalMs]: String(STALLED_INTERVAL_MS),
});

beforeAll(() => fleet.setUp());
afterAll(() => fleet.tearDown());

describe('a signer process killed mid-job', () => {
  it('leaves the job to another signer process, which completes it with one signed file and one log entry', async () => {
    const { client, proxy, stack } = fleet;
    const first = await fleet.startSigner(1, { held: true });

    const image = buildEspImage({ chipId: ESP32_S3, size: 60_000, seed: 7 });
    const published = await client.publicKeys('release-rsa');
    const { key } = await client.upload(image);
    const id = await client.submit('release-rsa', key);
    const signedKey = `signed/${stack.tenant}/${id}.bin`;

    // The first signer has signed, verified and stored the file, and waits for the store's answer.
    let held: HeldRequest | undefined;
    void proxy.held.then((request) => (held = request));
    const put = await pollUntil(async () => held, { timeoutMs: 15_000, intervalMs: 20, description: 'the first signer to PUT the signed file' });
    expect(put).toMatchObject({ method: 'PUT', upstreamStatus: 200 });
    expect(put.url).toContain(`/${signedKey}`);
    expect(await client.job(id)).toMatchObject({ state: 'active' });
    expect(await stack.store.exists(signedKey)).toBe(true);
    expect(await stack.logEntries()).toEqual([]);

    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await client.job(id)).toMatchObject({ state: 'active' });

    await fleet.startSigner(2, { held: false, waitStarted: false });
    const job = await client.waitForSuccess(id, 30_000);
    expect(job.result.signedKey).toBe(signedKey);

    // The file the killed process stored was checked and kept, not signed again.
    const bullJob = await stack.signQueue.getJob(id);
    expect(bullJob?.returnvalue.reused).toBe(true);
    const file = await download(job.result.downloadUrl);
    expectSignedWithPublishedKeys(file, image, published, job);

    expect(await stack.keys('signed')).toEqual([signedKey]);
    const entries = await stack.logEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ seq: 0, kind: 'signed', jobId: id, signed: { key: signedKey, sha256: job.result.signedSha256 } });
    expect(job.result.log).toMatchObject({ index: 0 });
  });
});
