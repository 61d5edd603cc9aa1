import { ErrorCode, FleetSignError } from '@fleetsign/errors';

const WRAPPED = /^\{([^{}\s]+)\}$/;
const BARE = /^[^{}\s]+$/;

/**
 * The BullMQ key prefix for FleetSign queues, wrapped in a Redis Cluster hash tag
 * (`'fleetsign'` -> `'{fleetsign}'`) so every key of every queue, and of a batch flow
 * spanning queues, hashes to one slot. An already wrapped value is returned as is.
 */
export function queuePrefix(base = 'fleetsign'): string {
  if (WRAPPED.test(base)) return base;
  if (!BARE.test(base)) {
    throw new FleetSignError(
      ErrorCode.InvalidConfig,
      `queue prefix "${base}" must be non-empty without braces or spaces`,
    );
  }
  return `{${base}}`;
}
