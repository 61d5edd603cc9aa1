import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@fleetsign/errors';
import { buildEspImage } from '@fleetsign/secure-boot';
import { FsObjectStore } from '@fleetsign/storage';
import { requireTestEnv } from '../../support/test-env';
import { PROFILES, type GatewayHarness, listKeys, startGatewayHarness } from './gateway-harness';

// With the filesystem store, presigned URLs point back at the gateway's
// /v1/objects/* route, where the URL signature is the only authorisation.

describe('gateway with the filesystem store', () => {
  let h: GatewayHarness;
  let root: string;
  let fsStore: FsObjectStore;
  const secret = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    root = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-fs-'));
    h = await startGatewayHarness({
      FLEETSIGN_STORAGE_DRIVER: 'fs',
      FLEETSIGN_FS_ROOT: root,
      FLEETSIGN_FS_SIGNING_SECRET: secret,
    });
    fsStore = new FsObjectStore({ root, publicBaseUrl: h.url, signingSecret: secret });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function presign(contentLength?: number): Promise<{ key: string; uploadUrl: string; headers: Record<string, string> }> {
    const res = await h.api('/v1/uploads', { method: 'POST', token: h.tokenA, json: contentLength ? { contentLength } : {} });
    expect(res.status).toBe(201);
    return (await res.json()) as { key: string; uploadUrl: string; headers: Record<string, string> };
  }

  it('presigns uploads to its own object route, which stores them without a bearer token', async () => {
    const image = randomBytes(10_000);
    const { key, uploadUrl, headers } = await presign(image.length);
    expect(uploadUrl.startsWith(`${h.url}/v1/objects/incoming/${h.tenantA}/`)).toBe(true);
    expect(headers).toEqual({ 'content-type': 'application/octet-stream' });

    // The URL is bound to the declared content type.
    const otherType = await fetch(uploadUrl, { method: 'PUT', body: image, headers: { 'content-type': 'text/html' } });
    expect(otherType.status).toBe(403);
    expect(await fsStore.exists(key)).toBe(false);

    const put = await fetch(uploadUrl, { method: 'PUT', body: image, headers });
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ key, size: image.length });
    expect((await fsStore.getBuffer(key)).equals(image)).toBe(true);

    // The stored object is a valid job source.
    const job = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key } } });
    expect(job.status).toBe(202);

    const download = await fetch(await fsStore.presignGet(key, 60));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe(String(image.length));
    expect(Buffer.from(await download.arrayBuffer()).equals(image)).toBe(true);
  });

  it('reads the chip of an image uploaded to its object route and refuses a job for a chip the profile does not allow', async () => {
    const image = buildEspImage({ chipId: 5 /* ESP32-C3; rel-rsa allows ESP32-S3 */, size: 5_000, seed: 11 });
    const { key, uploadUrl, headers } = await presign(image.length);
    expect((await fetch(uploadUrl, { method: 'PUT', body: image, headers })).status).toBe(201);
    const job = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key } } });
    expect(job.status).toBe(422);
    expect(((await job.json()) as { code: string }).code).toBe(ErrorCode.ChipNotAllowed);
  });

  it('refuses a body larger than the URL allows, storing nothing', async () => {
    const { key, uploadUrl, headers } = await presign(1000);
    const res = await fetch(uploadUrl, { method: 'PUT', body: Buffer.alloc(1001), headers });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: ErrorCode.PayloadTooLarge });
    expect(await fsStore.exists(key)).toBe(false);
  });

  it('binds the URL to a declared SHA-256: other bytes get 400 UPLOAD_CHECKSUM_MISMATCH and store nothing', async () => {
    const image = randomBytes(20_000);
    const sha256 = createHash('sha256').update(image).digest('hex');
    const res = await h.api('/v1/uploads', { method: 'POST', token: h.tokenA, json: { contentLength: image.length, sha256 } });
    expect(res.status).toBe(201);
    const { key, uploadUrl, headers } = (await res.json()) as { key: string; uploadUrl: string; headers: Record<string, string> };
    expect(new URL(uploadUrl).searchParams.get('sha256')).toBe(sha256);

    const other = Buffer.from(image);
    other[image.length - 1] ^= 0x01;
    const refused = await fetch(uploadUrl, { method: 'PUT', body: other, headers });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: ErrorCode.UploadChecksumMismatch, expectedSha256: sha256 });
    expect(await fsStore.exists(key)).toBe(false);
    expect((await listKeys(fsStore, `incoming/${h.tenantA}/`)).filter((k) => k === key)).toEqual([]);

    // Dropping the digest from the URL breaks its signature.
    const unbound = new URL(uploadUrl);
    unbound.searchParams.delete('sha256');
    expect((await fetch(unbound, { method: 'PUT', body: other, headers })).status).toBe(403);

    const put = await fetch(uploadUrl, { method: 'PUT', body: image, headers });
    expect(put.status).toBe(201);
    expect((await fsStore.getBuffer(key)).equals(image)).toBe(true);
  });

  it('refuses tampered URLs, the wrong method and unsigned requests with 403', async () => {
    const { key, uploadUrl, headers } = await presign();
    const tampered = new URL(uploadUrl);
    tampered.pathname = tampered.pathname.replace(h.tenantA, h.tenantB);
    const attempts = [
      fetch(tampered, { method: 'PUT', body: Buffer.alloc(10), headers }),
      fetch(uploadUrl.replace(/sig=[^&]+/, 'sig=AAAA'), { method: 'PUT', body: Buffer.alloc(10), headers }),
      fetch(uploadUrl),
      fetch(`${h.url}/v1/objects/${key}`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ code: ErrorCode.Forbidden });
    }
    expect(await listKeys(fsStore, `incoming/${h.tenantB}/`)).toEqual([]);
    expect(await fsStore.exists(key)).toBe(false);
  });

  it('answers 404 for a signed download of an object that does not exist', async () => {
    const res = await fetch(await fsStore.presignGet(`incoming/${h.tenantA}/missing.bin`, 60));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: ErrorCode.NotFound });
  });

  it('is ready with the filesystem store', async () => {
    expect((await h.api('/readyz')).status).toBe(200);
  });
});
