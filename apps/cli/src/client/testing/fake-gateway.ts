// Test support: an in-memory stand-in for the gateway's upload and batch routes, so the
// client's batch flow (resume, conflicts, paging, partial failure) is unit-tested
// without Redis, a store or a signer. "Signing" appends a marker to the image.

import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { BatchView } from '@fleetsign/api';
import { json, type LocalServer, type SeenRequest, startLocalServer } from '@fleetsign/api/client/testing/local-http-server';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface FakeItem {
  index: number;
  name: string;
  sourceKey: string;
  jobId: string;
  state: 'succeeded' | 'failed';
  signedKey?: string;
  signedSha256?: string;
  imageSha256?: string;
  reused?: boolean;
  error?: { code: string; message: string };
}

interface FakeBatch {
  id: string;
  profile: string;
  items: FakeItem[];
  reads: number;
}

/** The fake gateway and what it has seen. */
export class FakeGateway {
  readonly objects = new Map<string, Buffer>();
  readonly batches = new Map<string, FakeBatch>();
  /** Signatures made (reused images do not count). */
  signatures = 0;
  /** PUTs of upload bodies. */
  uploads = 0;
  /** Batch reads that still answer "running" before a batch completes. */
  readsUntilDone = 1;
  /** Page size of the items route (smaller than the client's limit, to exercise paging). */
  pageSize = 3;
  private readonly idempotency = new Map<string, { bodyHash: string; id: string }>();
  private readonly signedByContent = new Map<string, string>();
  private uploadCount = 0;
  private server!: LocalServer;

  static async start(): Promise<FakeGateway> {
    const fake = new FakeGateway();
    fake.server = await startLocalServer((req, res) => fake.route(req, res));
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private route(req: SeenRequest, res: ServerResponse): void {
    const url = new URL(req.url, this.url);
    const path = url.pathname;
    if (req.method === 'POST' && path === '/v1/uploads') return this.presign(res);
    if (path.startsWith('/objects/')) return this.object(req, res, decodeURIComponent(path.slice('/objects/'.length)));
    if (req.method === 'POST' && path === '/v1/batches') return this.createBatch(req, res);
    const items = /^\/v1\/batches\/([^/]+)\/items$/.exec(path);
    if (req.method === 'GET' && items) return this.listItems(res, items[1], url.searchParams);
    const batch = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && batch) return this.readBatch(res, batch[1]);
    problem(res, 404, 'NOT_FOUND', 'no such route');
  }

  private presign(res: ServerResponse): void {
    const key = `incoming/t/${++this.uploadCount}.bin`;
    json(res, 201, { key, uploadUrl: `${this.url}/objects/${encodeURIComponent(key)}`, method: 'PUT', headers: {}, expiresAt: '', maxBytes: 1 << 20 });
  }

  private object(req: SeenRequest, res: ServerResponse, key: string): void {
    if (req.method === 'PUT') {
      this.objects.set(key, req.body);
      this.uploads++;
      res.writeHead(200);
      res.end();
      return;
    }
    const body = this.objects.get(key);
    if (!body) return problem(res, 404, 'NOT_FOUND', 'no object');
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  }

  private createBatch(req: SeenRequest, res: ServerResponse): void {
    const key = String(req.headers['idempotency-key'] ?? '');
    const body = JSON.parse(req.body.toString('utf8')) as { profile: string; items: Array<{ name: string; source: { key: string } }> };
    const bodyHash = sha256(req.body);
    const known = this.idempotency.get(key);
    if (known) {
      if (known.bodyHash !== bodyHash) return problem(res, 409, 'IDEMPOTENCY_CONFLICT', 'same key, other body');
      return json(res, 202, { id: known.id, state: 'queued', total: body.items.length, links: { self: '' } });
    }
    const badName = body.items.findIndex((item) => /[/\\]/.test(item.name));
    if (badName >= 0) return problem(res, 400, 'VALIDATION_FAILED', `items.${badName}.name: must be a file name`);
    const missing = body.items.findIndex((item) => !this.objects.has(item.source.key));
    if (missing >= 0) return problem(res, 422, 'SOURCE_NOT_FOUND', `items[${missing}]: source not found`);
    const id = `batch_${randomBytes(16).toString('hex')}`;
    this.idempotency.set(key, { bodyHash, id });
    const items = body.items.map((item, index) => this.sign(id, index, item.name, item.source.key));
    this.batches.set(id, { id, profile: body.profile, items, reads: 0 });
    json(res, 202, { id, state: 'queued', total: items.length, links: { self: '' } });
  }

  private sign(batchId: string, index: number, name: string, sourceKey: string): FakeItem {
    const jobId = `job_${batchId.slice(6)}_${index}`;
    const source = this.objects.get(sourceKey)!;
    if (source.subarray(0, 3).toString() === 'BAD') {
      return { index, name, sourceKey, jobId, state: 'failed', error: { code: 'INVALID_IMAGE', message: 'not an ESP image' } };
    }
    const imageSha256 = sha256(source);
    let signedKey = this.signedByContent.get(imageSha256);
    const reused = signedKey !== undefined;
    if (!signedKey) {
      signedKey = `signed/t/${jobId}.bin`;
      this.objects.set(signedKey, Buffer.concat([source, Buffer.from('+SIGNED')]));
      this.signedByContent.set(imageSha256, signedKey);
      this.signatures++;
    }
    return { index, name, sourceKey, jobId, state: 'succeeded', signedKey, imageSha256, signedSha256: sha256(this.objects.get(signedKey)!), reused };
  }

  private readBatch(res: ServerResponse, id: string): void {
    const batch = this.batches.get(id);
    if (!batch) return problem(res, 404, 'NOT_FOUND', 'no batch');
    const done = ++batch.reads > this.readsUntilDone;
    const succeeded = batch.items.filter((item) => item.state === 'succeeded').length;
    const counts = done ? { queued: 0, active: 0, succeeded, failed: batch.items.length - succeeded } : { queued: batch.items.length, active: 0, succeeded: 0, failed: 0 };
    const manifestKey = `batches/t/${id}/manifest.json`;
    if (done) this.objects.set(manifestKey, Buffer.from(JSON.stringify({ batchId: id, items: batch.items })));
    const view: BatchView = {
      id,
      state: done ? 'completed' : 'running',
      profile: batch.profile,
      total: batch.items.length,
      counts,
      progress: done ? 1 : 0,
      createdAt: new Date(0).toISOString(),
      ...(done ? { manifest: { key: manifestKey, downloadUrl: `${this.url}/objects/${encodeURIComponent(manifestKey)}` } } : {}),
      links: { self: `${this.url}/v1/batches/${id}`, items: `${this.url}/v1/batches/${id}/items` },
    };
    json(res, 200, view);
  }

  private listItems(res: ServerResponse, id: string, query: URLSearchParams): void {
    const batch = this.batches.get(id);
    if (!batch) return problem(res, 404, 'NOT_FOUND', 'no batch');
    const start = Number(query.get('cursor') ?? 0);
    const limit = Math.min(Number(query.get('limit') ?? 100), this.pageSize);
    const page = batch.items.slice(start, start + limit).map((item) => ({
      ...item,
      ...(item.signedKey ? { downloadUrl: `${this.url}/objects/${encodeURIComponent(item.signedKey)}` } : {}),
    }));
    const next = start + limit < batch.items.length ? String(start + limit) : undefined;
    json(res, 200, { items: page, ...(next ? { nextCursor: next } : {}) });
  }
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  json(res, status, { type: `urn:fleetsign:error:${code}`, title: 'Error', status, code, detail }, 'application/problem+json');
}
