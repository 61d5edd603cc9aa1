import { ErrorCode } from '@fleetsign/errors';
import { buildEspImage } from '@fleetsign/secure-boot';
import { PROFILES, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// The gateway reads the chip id of every upload it streams (direct uploads here) and
// refuses, at submission, jobs and batches for a chip the profile does not allow
// (rel-rsa allows ESP32-S3 only), instead of leaving the refusal to the signer.

const ESP32_S3 = 9;
const ESP32_C3 = 5;

describe('gateway chip admission', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const upload = async (image: Buffer): Promise<string> => {
    const res = await h.api('/v1/uploads/direct', {
      method: 'PUT',
      token: h.tokenA,
      body: image,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };
  const post = (path: string, json: unknown, idempotencyKey: string) =>
    h.api(path, { method: 'POST', token: h.tokenA, json, headers: { 'idempotency-key': idempotencyKey } });

  it('refuses a job whose uploaded image is for a chip outside the profile (422 CHIP_NOT_ALLOWED), enqueuing nothing', async () => {
    const key = await upload(buildEspImage({ chipId: ESP32_C3, size: 6_000, seed: 1 }));
    const res = await post('/v1/jobs', { profile: PROFILES.rsa, source: { key } }, 'chip-c3-job');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { code: string; detail: string; refused: unknown[]; allowedChips: string[] };
    expect(problem.code).toBe(ErrorCode.ChipNotAllowed);
    expect(problem.detail).toContain('is for ESP32-C3, which profile "rel-rsa" does not allow (allowed: ESP32-S3)');
    expect(problem.refused).toEqual([{ path: 'source', key, chip: 'ESP32-C3' }]);
    expect(await h.signQueue.getJobCounts('waiting', 'prioritized', 'active')).toEqual({ waiting: 0, prioritized: 0, active: 0 });
  });

  it('accepts the allowed chip, and any chip on a profile without a chip list', async () => {
    const s3 = await upload(buildEspImage({ chipId: ESP32_S3, size: 6_000, seed: 2 }));
    expect((await post('/v1/jobs', { profile: PROFILES.rsa, source: { key: s3 } }, 'chip-s3-job')).status).toBe(202);
    const c3 = await upload(buildEspImage({ chipId: ESP32_C3, size: 6_000, seed: 3 }));
    expect((await post('/v1/jobs', { profile: PROFILES.p256, source: { key: c3 } }, 'chip-c3-p256')).status).toBe(202);
  });

  it('refuses a batch naming every refused item, and stores no batch', async () => {
    const good = await upload(buildEspImage({ chipId: ESP32_S3, size: 6_000, seed: 4 }));
    const bad = await upload(buildEspImage({ chipId: ESP32_C3, size: 6_000, seed: 5 }));
    const items = [good, bad, good, bad].map((key, i) => ({ source: { key }, name: `img-${i}.bin` }));
    const res = await post('/v1/batches', { profile: PROFILES.rsa, items }, 'chip-batch');
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { code: string; detail: string; refused: Array<{ path: string }>; refusedCount: number };
    expect(problem.code).toBe(ErrorCode.ChipNotAllowed);
    expect(problem.detail).toContain('2 images (first');
    expect(problem.refused.map((r) => r.path)).toEqual(['items[1].source', 'items[3].source']);
    expect(problem.refusedCount).toBe(2);
    expect(await h.redis.keys(`${h.prefix}:batch-state:*`)).toEqual([]);
    expect(await h.redis.keys(`${h.prefix}:batch:*`)).toEqual([]);
  });
});
