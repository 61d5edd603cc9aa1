import type { Readable } from 'node:stream';
import type {
  ListOptions,
  ObjectHead,
  ObjectStore,
  PresignPutOptions,
  PresignedPut,
  PutOptions,
  PutResult,
} from '@fleetsign/storage';

/**
 * An object store built on first use. The fs driver signs URLs that point back at
 * the gateway, whose address (port 0 in tests) is known only after it listens.
 */
export class LazyObjectStore implements ObjectStore {
  private target: ObjectStore | undefined;

  constructor(private readonly build: () => ObjectStore) {}

  private store(): ObjectStore {
    this.target ??= this.build();
    return this.target;
  }

  get(key: string): Promise<Readable> {
    return this.store().get(key);
  }
  getBuffer(key: string, maxBytes?: number): Promise<Buffer> {
    return this.store().getBuffer(key, maxBytes);
  }
  put(key: string, body: Buffer | Readable, opts?: PutOptions): Promise<PutResult> {
    return this.store().put(key, body, opts);
  }
  head(key: string): Promise<ObjectHead | undefined> {
    return this.store().head(key);
  }
  exists(key: string): Promise<boolean> {
    return this.store().exists(key);
  }
  delete(key: string): Promise<void> {
    return this.store().delete(key);
  }
  list(prefix: string, opts?: ListOptions): AsyncIterable<string> {
    return this.store().list(prefix, opts);
  }
  presignGet(key: string, expiresSec: number): Promise<string> {
    return this.store().presignGet(key, expiresSec);
  }
  presignPut(key: string, expiresSec: number, opts?: PresignPutOptions): Promise<PresignedPut> {
    return this.store().presignPut(key, expiresSec, opts);
  }
  async close(): Promise<void> {
    await this.target?.close();
  }
}
