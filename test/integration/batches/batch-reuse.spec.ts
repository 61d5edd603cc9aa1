import { createHash } from 'node:crypto';
import { buildEspImage, verifyV2 } from '@fleetsign/secure-boot';
import type { Signer } from '../../../apps/signer/src';
import { pollUntil } from '../gateway/gateway-harness';
import { BatchStack, EC_PROFILE, ESP32_C6 } from './batch-stack';

// Content-addressed reuse: the same image bytes, signed again for the same tenant with
// the same profile and keys, get the earlier signed file without an HSM operation (and
// a log entry saying so); `fresh: true` forces a new signature.

jest.setTimeout(120_000);

interface JobBody {
  id: string;
  state: string;
  result?: {
    signedKey: string;
    signedSha256: string;
    imageSha256: string;
    reused?: boolean;
    downloadUrl: string;
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** HSM signings this signer made (one histogram observation per signed image). */
async function signings(signer: Signer): Promise<number> {
  const metric = await signer.metrics.signDuration.get();
  return metric.values
    .filter((v) => v.metricName === 'fleetsign_signer_sign_duration_seconds_count')
    .reduce((sum, v) => sum + v.value, 0);
}

async function reuses(signer: Signer): Promise<number> {
  const metric = await signer.metrics.imagesReused.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

describe('content-addressed reuse', () => {
  let stack: BatchStack;
  let signer: Signer;
  const image = buildEspImage({ chipId: ESP32_C6, size: 6000, seed: 4242 });

  beforeAll(async () => {
    stack = await BatchStack.start();
    signer = await stack.startSigner(1);
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function signJob(
    token: string,
    tenant: string,
    extra: Record<string, unknown> = {},
  ): Promise<JobBody> {
    const key = await stack.putSource(tenant, image);
    const res = await stack.api('/v1/jobs', {
      method: 'POST',
      token,
      json: { profile: EC_PROFILE, source: { key }, ...extra },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const read = async () => (await (await stack.api(`/v1/jobs/${id}`, { token })).json()) as JobBody;
    const done = await pollUntil(read, (job) => job.state === 'succeeded' || job.state === 'failed', 600);
    expect(done.state).toBe('succeeded');
    return done;
  }

  const entryOf = async (jobId: string) => {
    const entries = (await stack.log.entries(stack.store)).filter((entry) => entry.jobId === jobId);
    expect(entries).toHaveLength(1);
    return entries[0];
  };

  it('answers a second signing of the same image with the first signed file and no HSM operation', async () => {
    const first = await signJob(stack.tokenA, stack.tenantA);
    expect(first.result?.reused).toBeUndefined();
    const signedBefore = await signings(signer);
    const reusedBefore = await reuses(signer);

    const second = await signJob(stack.tokenA, stack.tenantA);
    expect(second.result).toMatchObject({
      reused: true,
      signedKey: first.result?.signedKey,
      signedSha256: first.result?.signedSha256,
      imageSha256: first.result?.imageSha256,
    });
    expect(await signings(signer)).toBe(signedBefore);
    expect(await reuses(signer)).toBe(reusedBefore + 1);

    const record = await entryOf(second.id);
    expect(record).toMatchObject({
      jobId: second.id,
      kind: 'reused',
      reusedFrom: first.id,
      signed: { key: first.result?.signedKey, sha256: first.result?.signedSha256 },
      imageSha256: first.result?.imageSha256,
    });
    expect((await entryOf(first.id)).kind).toBe('signed');
  });

  it('signs again with fresh: true, and reuses that newest signing afterwards', async () => {
    const earlier = await signJob(stack.tokenA, stack.tenantA);
    const signedBefore = await signings(signer);

    const fresh = await signJob(stack.tokenA, stack.tenantA, { fresh: true });
    expect(await signings(signer)).toBe(signedBefore + 1);
    expect(fresh.result?.reused).toBeUndefined();
    expect(fresh.result?.signedKey).toBe(`signed/${stack.tenantA}/${fresh.id}.bin`);
    expect(fresh.result?.signedKey).not.toBe(earlier.result?.signedKey);
    const file = await stack.store.getBuffer(fresh.result?.signedKey as string);
    expect(sha256(file)).toBe(fresh.result?.signedSha256);
    const profile = await signer.registry.acquire(EC_PROFILE);
    expect(verifyV2(file, { publicKeys: [profile.keys[0].publicKey] }).valid).toBe(true);
    expect((await entryOf(fresh.id)).kind).toBe('signed');

    const after = await signJob(stack.tokenA, stack.tenantA);
    expect(after.result).toMatchObject({ reused: true, signedKey: fresh.result?.signedKey });
    expect(await signings(signer)).toBe(signedBefore + 1);
  });

  it("never reuses another tenant's signing", async () => {
    const signedBefore = await signings(signer);
    const other = await signJob(stack.tokenB, stack.tenantB);
    expect(other.result?.reused).toBeUndefined();
    expect(other.result?.signedKey).toBe(`signed/${stack.tenantB}/${other.id}.bin`);
    expect(await signings(signer)).toBe(signedBefore + 1);
  });

  it('signs again when the earlier signed file is gone', async () => {
    const earlier = await signJob(stack.tokenA, stack.tenantA, { fresh: true });
    await stack.store.delete(earlier.result?.signedKey as string);
    const signedBefore = await signings(signer);
    const again = await signJob(stack.tokenA, stack.tenantA);
    expect(again.result?.reused).toBeUndefined();
    expect(again.result?.signedKey).toBe(`signed/${stack.tenantA}/${again.id}.bin`);
    expect(await signings(signer)).toBe(signedBefore + 1);
  });

  it('reuses within batches too, and reports it per item', async () => {
    const keys = [await stack.putSource(stack.tenantA, image), await stack.putSource(stack.tenantA, image)];
    const posted = await stack.postBatch(stack.tokenA, {
      profile: EC_PROFILE,
      items: keys.map((key) => ({ source: { key } })),
    });
    const signedBefore = await signings(signer);
    await stack.completed(stack.tokenA, posted.body.id as string);
    const items = await stack.allItems(stack.tokenA, posted.body.id as string);
    expect(items.map((item) => [item.state, item.reused])).toEqual([
      ['succeeded', true],
      ['succeeded', true],
    ]);
    expect(await signings(signer)).toBe(signedBefore);
  });
});
