import { validateObjectKey } from '@fleetsign/storage';
import { incomingPrefix } from '../uploads/uploads.service';

/** Why a source key cannot be signed for a tenant. */
export type SourceKeyProblem =
  /** Not a valid object key (dot segments, also disguised ones such as `%2e%2e`, `‥`, `．．`; control characters...). */
  | { reason: 'invalid'; message: string }
  /** A valid key outside the tenant's `incoming/<tenant>/` prefix. */
  | { reason: 'foreign'; message: string; prefix: string };

/** The one check of a source key, for `POST /v1/jobs` and every item of `POST /v1/batches`; undefined when it is fine. */
export function sourceKeyProblem(tenant: string, key: string): SourceKeyProblem | undefined {
  try {
    validateObjectKey(key);
  } catch {
    return { reason: 'invalid', message: 'not a valid object key' };
  }
  const prefix = incomingPrefix(tenant);
  if (!key.startsWith(prefix)) return { reason: 'foreign', message: `must be under "${prefix}"`, prefix };
  return undefined;
}
