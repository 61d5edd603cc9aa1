import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ErrorCode } from '@fleetsign/errors';
import { FS_TEMP_PREFIX, FsObjectStore, createObjectStore } from '@fleetsign/storage';
import { requireTestEnv } from '../../support/test-env';
import { FsObjectRoute } from './fs-object-route';
import { describeObjectStoreContract } from './object-store-contract';

const SECRET = 'fs-contract-signing-secret-0123456789abcdef';

describe('FsObjectStore', () => {
  const route = new FsObjectRoute(SECRET);
  let root: string;
  let publicBaseUrl: string;

  beforeAll(async () => {
    root = mkdtempSync(join(requireTestEnv('tmpRoot'), 'fs-store-'));
    publicBaseUrl = await route.listen();
    route.store = new FsObjectStore({ root, publicBaseUrl, signingSecret: SECRET });
  });

  afterAll(async () => {
    await route.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe('contract', () => {
    describeObjectStoreContract({
      enforcesConditionalPut: true,
      discardsCutUploads: true,
      verifiesUploadChecksum: true,
      create: async (opts) =>
        createObjectStore({ driver: 'fs', root, publicBaseUrl, signingSecret: SECRET }, opts),
    });
  });

  describe('fs specifics', () => {
    let store: FsObjectStore;
    beforeAll(() => {
      store = new FsObjectStore({ root, publicBaseUrl, signingSecret: SECRET });
    });

    it('leaves no temp file behind after a failed streamed put', async () => {
      const failing = new Readable({
        read() {
          this.destroy(new Error('client went away'));
        },
      });
      await expect(store.put('fs-specific/failed.bin', failing)).rejects.toEqual(
        expect.objectContaining({ code: ErrorCode.StorageError }),
      );
      expect(
        readdirSync(join(root, 'fs-specific')).filter((name) => name.startsWith(FS_TEMP_PREFIX)),
      ).toEqual([]);
      expect(await store.exists('fs-specific/failed.bin')).toBe(false);
    });

    it('lists siblings that sort between a name and its "directory" in byte order', async () => {
      const names = ['a/x.bin', 'a-1.bin', 'a.bin', 'a0.bin', 'a/b/c.bin', 'a!.bin'];
      await Promise.all(names.map((name) => store.put(`fs-specific/order/${name}`, Buffer.from(name))));
      const listed: string[] = [];
      for await (const key of store.list('fs-specific/order/')) listed.push(key);
      const expected = names.map((name) => `fs-specific/order/${name}`);
      expect(listed).toEqual(expected.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    });

    it('refuses keys in the temp namespace', async () => {
      await expect(store.put(`fs-specific/${FS_TEMP_PREFIX}x`, Buffer.from('x'))).rejects.toEqual(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
    });

    it('reports a key that collides with a prefix as INVALID_ARGUMENT', async () => {
      await store.put('fs-specific/collide/inner.bin', Buffer.from('x'));
      await expect(store.put('fs-specific/collide', Buffer.from('x'))).rejects.toEqual(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
      await store.put('fs-specific/file.bin', Buffer.from('x'));
      await expect(store.put('fs-specific/file.bin/inner.bin', Buffer.from('x'))).rejects.toEqual(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
    });

    it('refuses a presigned PUT larger than its maxBytes over HTTP', async () => {
      const upload = await store.presignPut('fs-specific/capped.bin', 60, { maxBytes: 1000 });
      expect(upload.maxBytesEnforced).toBe(true);
      const res = await fetch(upload.url, { method: 'PUT', body: Buffer.alloc(5000) });
      expect(res.status).toBe(413);
      expect(await store.exists('fs-specific/capped.bin')).toBe(false);
    });

    it('reports a missing root as STORAGE_ERROR, never remakes it, and serves again once it is back', async () => {
      const outageRoot = mkdtempSync(join(requireTestEnv('tmpRoot'), 'fs-outage-'));
      const away = `${outageRoot}.away`;
      const outage = new FsObjectStore({ root: outageRoot, publicBaseUrl, signingSecret: SECRET });
      await outage.put('incoming/acme/a.bin', Buffer.from('image'));
      renameSync(outageRoot, away);
      try {
        const unavailable = expect.objectContaining({ code: ErrorCode.StorageError });
        await expect(outage.getBuffer('incoming/acme/a.bin')).rejects.toEqual(unavailable);
        await expect(outage.get('incoming/acme/a.bin')).rejects.toEqual(unavailable);
        await expect(outage.head('signed/acme/job.bin')).rejects.toEqual(unavailable);
        await expect(outage.put('signed/acme/job.bin', Buffer.from('signed'))).rejects.toEqual(unavailable);
        await expect(outage.put('incoming/acme/b.bin', Buffer.from('b'))).rejects.toEqual(unavailable);
        expect(existsSync(outageRoot)).toBe(false);
      } finally {
        renameSync(away, outageRoot);
      }
      expect((await outage.getBuffer('incoming/acme/a.bin')).toString()).toBe('image');
      await outage.put('signed/acme/job.bin', Buffer.from('signed'));
      await expect(outage.getBuffer('incoming/acme/none.bin')).rejects.toEqual(
        expect.objectContaining({ code: ErrorCode.SourceNotFound }),
      );
      rmSync(outageRoot, { recursive: true, force: true });
    });

    it('refuses a short signing secret', () => {
      expect(() => new FsObjectStore({ root, publicBaseUrl, signingSecret: 'short' })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidConfig }),
      );
    });
  });
});
