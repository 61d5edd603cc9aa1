import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalServer, startLocalServer } from './testing/local-http-server';
import { downloadFile, fetchBytes, uploadFile } from './object-transfer';

describe('object transfers', () => {
  let server: LocalServer;
  let dir: string;
  let answer: (res: import('node:http').ServerResponse) => void;
  const data = Buffer.alloc(200_000, 0xab);
  const sha256 = createHash('sha256').update(data).digest('hex');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-transfer-'));
    answer = (res) => {
      res.writeHead(200);
      res.end();
    };
    server = await startLocalServer((_req, res) => answer(res));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('PUTs the file with its exact length and the grant headers, and no API key', async () => {
    const path = join(dir, 'app.bin');
    writeFileSync(path, data);
    const grant = { key: 'incoming/t/1.bin', uploadUrl: `${server.url}/bucket/1.bin?X-Sig=1`, method: 'PUT' as const, headers: { 'x-extra': 'v' }, expiresAt: '', maxBytes: 1 << 20 };
    await uploadFile(grant, path, data.length);
    const [seen] = server.requests;
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/bucket/1.bin?X-Sig=1');
    expect(seen.headers['content-length']).toBe(String(data.length));
    expect(seen.headers['transfer-encoding']).toBeUndefined();
    expect(seen.headers['x-extra']).toBe('v');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.body.equals(data)).toBe(true);
  });

  it('reports a refused upload with the store code and no presigned query', async () => {
    const path = join(dir, 'app.bin');
    writeFileSync(path, data);
    answer = (res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code></Error>');
    };
    const grant = { key: 'k', uploadUrl: `${server.url}/b/k?X-Amz-Signature=topsecret`, method: 'PUT' as const, headers: {}, expiresAt: '', maxBytes: 1 };
    const upload = uploadFile(grant, path, data.length);
    await expect(upload).rejects.toThrow(`upload of "${path}" to ${server.url}/b/k: HTTP 403 AccessDenied: Forbidden`);
    await expect(upload).rejects.not.toThrow('topsecret');
  });

  it('downloads into the target after checking the SHA-256, retrying a corrupted transfer', async () => {
    let calls = 0;
    answer = (res) => {
      calls++;
      res.writeHead(200, { 'content-length': String(data.length) });
      res.end(calls === 1 ? Buffer.alloc(data.length, 0) : data);
    };
    const target = join(dir, 'signed.bin');
    await expect(downloadFile(`${server.url}/signed.bin`, target, sha256)).resolves.toBe(data.length);
    expect(calls).toBe(2);
    expect(readFileSync(target).equals(data)).toBe(true);
    expect(readdirSync(dir)).toEqual(['signed.bin']);
  });

  it('gives up on a download that never has the promised digest, leaving nothing behind', async () => {
    answer = (res) => {
      res.writeHead(200);
      res.end(Buffer.from('wrong'));
    };
    const target = join(dir, 'signed.bin');
    await expect(downloadFile(`${server.url}/signed.bin`, target, sha256)).rejects.toThrow('the service promised');
    expect(server.requests).toHaveLength(4);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fetches small objects into memory', async () => {
    answer = (res) => {
      res.writeHead(200);
      res.end('{"batchId":"batch_1"}');
    };
    expect((await fetchBytes(`${server.url}/manifest.json`, 1024)).toString()).toBe('{"batchId":"batch_1"}');
  });

  it('refuses an object bigger than expected, without retrying', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-length': '2048' });
      res.end(Buffer.alloc(2048));
    };
    await expect(fetchBytes(`${server.url}/manifest.json`, 1024)).rejects.toThrow('2048 bytes is more than the 1024 expected');
    expect(server.requests).toHaveLength(1);
  });
});
