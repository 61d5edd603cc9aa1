import { createHash } from 'node:crypto';
import { type CreateBatchRequest, type FieldViolation, itemNameSchema } from '@fleetsign/api';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { canonicalJson } from '../jobs/job-request';
import { sourceKeyProblem } from '../jobs/source-key';

/** Most item problems listed in one 400 answer. */
const MAX_REPORTED_PROBLEMS = 100;

/** An item as it is enqueued. */
export interface PlannedItem {
  name: string;
  sourceKey: string;
  sha256?: string;
  /** The upload's declared size, when known at intake. */
  size?: number;
  metadata?: Record<string, string>;
}

/** SHA-256 (hex) of the canonical form of a validated batch request: its idempotency fingerprint. */
export function batchRequestHash(request: CreateBatchRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** The last segment of an object key. */
export function basename(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/**
 * Checks each item against the caller's tenant: its source key must be a valid object
 * key under `incoming/<tenant>/`, and its name (default: the source key's basename)
 * must be a file name unique within the batch. Throws 400 VALIDATION_FAILED naming the
 * items at fault (the first {@link MAX_REPORTED_PROBLEMS}).
 */
export function planBatchItems(tenant: string, items: CreateBatchRequest['items']): PlannedItem[] {
  const problems: FieldViolation[] = [];
  const seen = new Map<string, number>();
  const planned = items.map((item, index): PlannedItem => {
    const key = item.source.key;
    const report = (path: string, message: string) => {
      if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ path: `items.${index}.${path}`, message });
    };
    const keyProblem = sourceKeyProblem(tenant, key);
    if (keyProblem) report('source.key', keyProblem.message);
    const name = item.name ?? basename(key);
    if (!itemNameSchema.safeParse(name).success) {
      report('name', 'the default name (the source key basename) is not a file name; give a name');
    }
    const first = seen.get(name);
    if (first !== undefined)
      report('name', `"${name}" is also the name of item ${first}; names must be unique`);
    else seen.set(name, index);
    return {
      name,
      sourceKey: key,
      ...(item.source.sha256 ? { sha256: item.source.sha256 } : {}),
      ...(item.metadata ? { metadata: item.metadata } : {}),
    };
  });
  if (problems.length > 0) {
    const first = problems[0];
    throw new FleetSignError(ErrorCode.ValidationFailed, `Invalid batch items (${first.path}: ${first.message})`,
      {
        errors: problems,
      },
    );
  }
  return planned;
}
