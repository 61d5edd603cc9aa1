import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from './object-store';

/** Read-only access to a store's objects, where a missing object is `undefined` rather than an error. */
export interface ObjectSource {
  read(key: string): Promise<Buffer | undefined>;
  list(prefix: string): AsyncIterable<string>;
}

/** Reads objects of at most `maxBytes` (IMAGE_TOO_LARGE past it) from `store`. */
export function objectSource(store: ObjectStore, maxBytes: number): ObjectSource {
  return {
    read: async (key) => {
      try {
        return await store.getBuffer(key, maxBytes);
      } catch (err) {
        if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
        throw err;
      }
    },
    list: (prefix) => store.list(prefix),
  };
}
