import { pollUntil } from '@fleetsign/devstack';
import { buildEspImage } from '@fleetsign/secure-boot';
import { HeldSignerFleet } from './support/held-signer-fleet';
import type { HeldRequest } from './support/holding-proxy';
import { expectSignedWithPublishedKeys } from './support/signed-file-checks';
import { download } from './support/signing-client';

// Takeover with the default lock settings: a signer process is killed (SIGKILL) while it
// holds a job (its PUT of the signed file is withheld by a proxy); a second signer process
// that is already running must finish that job within 15 s of the kill. A behaviour
// bound, not a benchmark: the defaults (8 s locks, 3 s stall checks) aim at about 11 s.

/** ESP32-C6: boots ECDSA-signed images. */
const ESP32_C6 = 13;
const TAKEOVER_BOUND_MS = 15_000;

const fleet = new HeldSignerFleet('takeover', [{ name: 'release-ec', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }]);

beforeAll(() => fleet.setUp());
afterAll(() => fleet.tearDown());

describe('takeover after a signer is killed', () => {
  it('gives the killed signer’s job to the running signer within 15 s', async () => {
    const { client, proxy } = fleet;
    const first = await fleet.startSigner(1, { held: true });

    const image = buildEspImage({ chipId: ESP32_C6, size: 30_000, seed: 11 });
    const published = await client.publicKeys('release-ec');
    const { key } = await client.upload(image);
    const id = await client.submit('release-ec', key);
    let held: HeldRequest | undefined;
    void proxy.held.then((request) => (held = request));
    await pollUntil(async () => held, { timeoutMs: 15_000, intervalMs: 20, description: 'the first signer to PUT the signed file' });

    // The second signer runs before the kill, as in a fleet; the job is the first one's.
    await fleet.startSigner(2, { held: false });
    expect(await client.job(id)).toMatchObject({ state: 'active' });

    const killedAt = Date.now();
    await first.kill();
    const job = await client.waitForSuccess(id, 60_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
    expectSignedWithPublishedKeys(await download(job.result.downloadUrl), image, published, job);
  });
});
