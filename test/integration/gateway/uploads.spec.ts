import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { requireTestEnv } from '../../support/test-env';
import { PROFILES, TEST_MAX_IMAGE_BYTES, type GatewayHarness, listKeys, startGatewayHarness } from './gateway-harness';

// Presigned uploads to S3 (s3rver) and direct uploads through the gateway.

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A request body sent chunked (no Content-Length), as a client streaming from a pipe would. */
function chunkedBody(total: number, chunk = 8192): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const size = Math.min(chunk, total - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(7));
    },
  });
}

describe('gateway uploads', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const tenantKeys = () => listKeys(h.store, `incoming/${h.tenantA}/`);

  it('presigns a PUT under the tenant prefix that uploads straight to the store', async () => {
    const image = randomBytes(20_000);
    const res = await h.api('/v1/uploads', {
      method: 'POST',
      token: h.tokenA,
      json: { contentLength: image.length, sha256: sha256(image) },
    });
    expect(res.status).toBe(201);
    const upload = (await res.json()) as { key: string; uploadUrl: string; method: string; headers: Record<string, string>; expiresAt: string; maxBytes: number };
    expect(upload.key).toMatch(new RegExp(`^incoming/${h.tenantA}/[0-9a-f-]{36}\\.bin$`));
    expect(upload.method).toBe('PUT');
    expect(upload.maxBytes).toBe(image.length);
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
    expect(upload.uploadUrl.startsWith(requireTestEnv('s3Endpoint'))).toBe(true);

    const put = await fetch(upload.uploadUrl, { method: 'PUT', body: image, headers: upload.headers });
    expect(put.status).toBe(200);
    expect((await h.store.getBuffer(upload.key)).equals(image)).toBe(true);

    // The declared digest and size follow the key into the job, for the signer to check.
    const job = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key: upload.key } } });
    expect(job.status).toBe(202);
    const { id } = (await job.json()) as { id: string };
    expect((await h.signQueue.getJob(id))?.data.source).toEqual({ key: upload.key, sha256: sha256(image), size: image.length });
  });

  it('presigns without a body, and refuses a declared size over the limit', async () => {
    const plain = await h.api('/v1/uploads', { method: 'POST', token: h.tokenA });
    expect(plain.status).toBe(201);
    expect(((await plain.json()) as { maxBytes: number }).maxBytes).toBe(TEST_MAX_IMAGE_BYTES);

    const tooBig = await h.api('/v1/uploads', { method: 'POST', token: h.tokenA, json: { contentLength: TEST_MAX_IMAGE_BYTES + 1 } });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ code: ErrorCode.PayloadTooLarge });

    const bad = await h.api('/v1/uploads', { method: 'POST', token: h.tokenA, json: { contentLength: -1, sha256: 'nope' } });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['contentLength', 'sha256']);
  });

  it('streams a direct upload into the store and reports its size and digest', async () => {
    const image = randomBytes(TEST_MAX_IMAGE_BYTES);
    const res = await h.api('/v1/uploads/direct', {
      method: 'PUT',
      token: h.tokenA,
      body: image,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { key: string; size: number; sha256: string };
    expect(body).toEqual({ key: expect.stringMatching(new RegExp(`^incoming/${h.tenantA}/`)), size: image.length, sha256: sha256(image) });
    expect((await h.store.getBuffer(body.key)).equals(image)).toBe(true);
  });

  it('streams a chunked direct upload (no Content-Length)', async () => {
    const res = await h.api('/v1/uploads/direct', {
      method: 'PUT',
      token: h.tokenA,
      body: chunkedBody(30_000),
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { key: string; size: number; sha256: string };
    expect(body.size).toBe(30_000);
    expect(body.sha256).toBe(sha256(Buffer.alloc(30_000, 7)));
  });

  it('refuses a direct upload over the limit with 413 and stores nothing', async () => {
    const before = await tenantKeys();
    const declared = await h.api('/v1/uploads/direct', {
      method: 'PUT',
      token: h.tokenA,
      body: Buffer.alloc(TEST_MAX_IMAGE_BYTES + 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(declared.status).toBe(413);
    expect(declared.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await declared.json()).toMatchObject({ status: 413, code: ErrorCode.PayloadTooLarge });

    // Without a Content-Length the limit is found while streaming.
    const streamed = await h.api('/v1/uploads/direct', {
      method: 'PUT',
      token: h.tokenA,
      body: chunkedBody(TEST_MAX_IMAGE_BYTES * 2),
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: ErrorCode.PayloadTooLarge });

    expect(await tenantKeys()).toEqual(before);
  });

  it('refuses a direct upload sent as JSON', async () => {
    const res = await h.api('/v1/uploads/direct', { method: 'PUT', token: h.tokenA, json: { bytes: 'AAAA' } });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: ErrorCode.MalformedRequest });
  });
});
