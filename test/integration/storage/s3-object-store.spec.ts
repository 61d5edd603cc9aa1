import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { S3ObjectStore, createObjectStore, type S3StorageConfig } from '@fleetsign/storage';
import { requireTestEnv } from '../../support/test-env';
import { describeObjectStoreContract } from './object-store-contract';

function s3Config(): S3StorageConfig {
  return {
    driver: 's3',
    endpoint: requireTestEnv('s3Endpoint'),
    region: 'us-east-1',
    bucket: requireTestEnv('s3Bucket'),
    accessKeyId: requireTestEnv('s3AccessKeyId'),
    secretAccessKey: requireTestEnv('s3SecretAccessKey'),
    forcePathStyle: true,
  };
}

describe('S3ObjectStore', () => {
  describe('contract', () => {
    describeObjectStoreContract({
      // s3rver ignores If-None-Match on PUT; real S3 and MinIO enforce it. The header
      // itself is checked below.
      enforcesConditionalPut: false,
      // s3rver keeps the bytes of a PUT whose connection was cut; S3 and MinIO discard it.
      discardsCutUploads: false,
      // s3rver 3.7 ignores x-amz-checksum-sha256 (checked below); S3 and MinIO refuse other bytes (BadDigest).
      verifiesUploadChecksum: false,
      create: async (opts) => createObjectStore(s3Config(), opts),
    });
  });

  describe('S3 specifics', () => {
    let store: S3ObjectStore;
    const base = `s3-specific/${randomUUID()}/`;

    beforeAll(() => {
      store = new S3ObjectStore(s3Config());
    });

    afterAll(async () => {
      await store.close();
    });

    /** Records the headers of every request the SDK sends, by command. */
    function recordRequests(): Array<{ command: string; headers: Record<string, string> }> {
      const seen: Array<{ command: string; headers: Record<string, string> }> = [];
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          seen.push({ command: String(context.commandName), headers: { ...(request.headers ?? {}) } });
          return next(args);
        },
        { step: 'finalizeRequest', name: `record-${randomUUID()}` },
      );
      return seen;
    }

    it('sends If-None-Match: * for create-only puts, single-part and multipart', async () => {
      const seen = recordRequests();
      await store.put(`${base}conditional-small.bin`, Buffer.from('x'), { ifNoneMatch: true });
      const { Readable } = await import('node:stream');
      await store.put(`${base}conditional-big.bin`, Readable.from([Buffer.alloc(9 * 1024 * 1024, 1)]), {
        ifNoneMatch: true,
      });
      const conditional = seen.filter(
        (r) => r.command === 'PutObjectCommand' || r.command === 'CompleteMultipartUploadCommand',
      );
      expect(conditional.map((r) => r.command).sort()).toEqual([
        'CompleteMultipartUploadCommand',
        'PutObjectCommand',
      ]);
      for (const request of conditional) expect(request.headers['if-none-match']).toBe('*');
    });

    it('pages through ListObjectsV2 with the requested page size', async () => {
      await Promise.all([1, 2, 3, 4, 5].map((n) => store.put(`${base}pages/${n}.bin`, Buffer.from([n]))));
      const seen = recordRequests();
      const keys: string[] = [];
      for await (const key of store.list(`${base}pages/`, { pageSize: 2 })) keys.push(key);
      expect(keys).toHaveLength(5);
      expect(seen.filter((r) => r.command === 'ListObjectsV2Command')).toHaveLength(3);
    });

    it('signs Content-Type into presigned PUT URLs and sends no checksum', async () => {
      const upload = await store.presignPut(`${base}typed.bin`, 60, {
        contentType: 'application/octet-stream',
      });
      const url = new URL(upload.url);
      expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('content-type');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
      expect([...url.searchParams.keys()].filter((name) => name.toLowerCase().includes('checksum'))).toEqual(
        [],
      );
      expect(upload.maxBytesEnforced).toBe(false);
    });

    it('signs a declared SHA-256 into presigned PUT URLs as the x-amz-checksum-sha256 header the upload must send', async () => {
      const digest = 'ab'.repeat(32);
      const upload = await store.presignPut(`${base}checked.bin`, 60, { contentType: 'application/octet-stream', sha256: digest });
      const url = new URL(upload.url);
      expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(expect.arrayContaining(['content-type', 'x-amz-checksum-sha256']));
      // A header the client sends (S3 checks the body against it), not a query parameter it could drop.
      expect([...url.searchParams.keys()].filter((name) => name.toLowerCase().includes('checksum'))).toEqual([]);
      expect(upload.headers).toEqual({ 'content-type': 'application/octet-stream', 'x-amz-checksum-sha256': Buffer.from(digest, 'hex').toString('base64') });
      await expect(store.presignPut(`${base}checked.bin`, 60, { sha256: 'xyz' })).rejects.toEqual(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    });

    it('s3rver does not check x-amz-checksum-sha256 (why the signer re-checks the declared SHA-256)', async () => {
      const key = `${base}unchecked.bin`;
      const upload = await store.presignPut(key, 60, { contentType: 'application/octet-stream', sha256: 'ab'.repeat(32) });
      const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: Buffer.from('other bytes') });
      await res.arrayBuffer();
      // If this starts failing, s3rver verifies checksums: set verifiesUploadChecksum to true above.
      expect(res.status).toBe(200);
    });

    it('presigns against publicEndpoint when one is configured', async () => {
      const publicStore = new S3ObjectStore({
        ...s3Config(),
        publicEndpoint: 'https://objects.fleetsign.example',
      });
      try {
        const url = new URL(await publicStore.presignGet(`${base}x.bin`, 60));
        expect(url.origin).toBe('https://objects.fleetsign.example');
        expect(url.pathname).toBe(`/${requireTestEnv('s3Bucket')}/${base}x.bin`);
      } finally {
        await publicStore.close();
      }
    });

    it('reports an unreachable server as STORAGE_ERROR', async () => {
      const dead = new S3ObjectStore({ ...s3Config(), endpoint: 'http://127.0.0.1:1' });
      try {
        await expect(dead.head('anything.bin')).rejects.toEqual(
          expect.objectContaining({ code: ErrorCode.StorageError }),
        );
      } finally {
        await dead.close();
      }
    });

    it('reports a missing bucket as STORAGE_ERROR (retried), never as a missing object', async () => {
      const noBucket = new S3ObjectStore({ ...s3Config(), bucket: `missing-${randomUUID().slice(0, 8)}` });
      try {
        await expect(noBucket.getBuffer('incoming/acme/a.bin')).rejects.toEqual(
          expect.objectContaining({ code: ErrorCode.StorageError }),
        );
      } finally {
        await noBucket.close();
      }
    });

    it('refuses half-given credentials', () => {
      expect(() => new S3ObjectStore({ ...s3Config(), secretAccessKey: undefined })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidConfig }),
      );
    });
  });
});
