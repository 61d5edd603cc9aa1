import type { Redis } from 'ioredis';
import {
  APPROVAL_KEEP_AFTER_EXPIRY_SECONDS,
  type ApprovalDecision,
  ApprovalField,
  type ApprovalRecord,
  type ApprovalRedisKeys,
  type ApprovalState,
  type NewApprovalRecord,
  approvalRedisKeys,
  encodeApprovalDecision,
  newApprovalRecordFields,
  parseApprovalRecord,
} from './approval';

// Every change to an approval is one script, so concurrent approvers on several gateway
// processes see one order: "add the decision, count distinct approvers, release at N" is
// atomic, an approver counts once (HSETNX on the decisions hash), and the first of
// release / rejection / expiry wins.

const F = ApprovalField;

// Closes a pending approval: state, decision time, out of the pending indexes.
const CLOSE = `
local function close(state, at, id)
  redis.call('HSET', KEYS[1], '${F.state}', state, '${F.decidedAt}', at)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
end
`;

// KEYS: record, items, pending, tenantPending. ARGV: ttl, expiresAtMs, id, fieldCount, fields..., items...
const HOLD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGET', KEYS[1], '${F.requestHash}') or ''}
end
local count = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], unpack(ARGV, 5, 4 + count))
redis.call('EXPIRE', KEYS[1], ARGV[1])
for i = 5 + count, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
if #ARGV >= 5 + count then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
return {1, ''}
`;

// KEYS: record, decisions, pending, tenantPending. ARGV: approver, decision, at, entry, nowMs, id.
const DECIDE_SCRIPT = `${CLOSE}
local state = redis.call('HGET', KEYS[1], '${F.state}')
if not state then return {'missing'} end
if state ~= 'pending' then return {'closed', state} end
if tonumber(redis.call('HGET', KEYS[1], '${F.expiresAtMs}')) <= tonumber(ARGV[5]) then return {'expired'} end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[4]) == 0 then return {'duplicate'} end
redis.call('EXPIRE', KEYS[2], redis.call('TTL', KEYS[1]))
if ARGV[2] == 'reject' then
  close('rejected', ARGV[3], ARGV[6])
  return {'rejected'}
end
local approvals = redis.call('HINCRBY', KEYS[1], 'approvals', 1)
if approvals >= tonumber(redis.call('HGET', KEYS[1], '${F.required}')) then
  close('approved', ARGV[3], ARGV[6])
  return {'approved', tostring(approvals)}
end
return {'recorded', tostring(approvals)}
`;

// KEYS: record, decisions, pending, tenantPending. ARGV: nowMs, nowIso, id.
const EXPIRE_SCRIPT = `${CLOSE}
local state = redis.call('HGET', KEYS[1], '${F.state}')
if not state then return 'missing' end
if state == 'pending' and tonumber(redis.call('HGET', KEYS[1], '${F.expiresAtMs}')) <= tonumber(ARGV[1]) then
  close('expired', ARGV[2], ARGV[3])
  return 'expired'
end
return state
`;

type RedisWithApprovalScripts = Redis & {
  fleetsignApprovalHold(record: string, items: string, pending: string, tenantPending: string, ...args: Array<string | number>): Promise<[0 | 1, string]>;
  fleetsignApprovalDecide(record: string, decisions: string, pending: string, tenantPending: string, ...args: string[]): Promise<string[]>;
  fleetsignApprovalExpire(record: string, decisions: string, pending: string, tenantPending: string, ...args: string[]): Promise<string>;
};

/** Outcome of holding a job or batch. */
export type HoldOutcome = { held: true } | { held: false; requestHash: string };

/** Outcome of one decision. */
export type DecideOutcome =
  /** Recorded; `approvals` so far, still pending. */
  | { outcome: 'recorded'; approvals: number }
  /** This decision released it (N distinct approvals). */
  | { outcome: 'approved'; approvals: number }
  /** This decision rejected it. */
  | { outcome: 'rejected' }
  /** This approver had already decided. */
  | { outcome: 'duplicate' }
  /** Already over. */
  | { outcome: 'closed'; state: ApprovalState }
  /** Past its expiry (the expiry job closes it). */
  | { outcome: 'expired' }
  | { outcome: 'missing' };

/** Most pending approvals one list call returns. */
export const APPROVAL_LIST_MAX = 500;

/** The one repository of the approval key layout (gateway: hold, decide, expire, read). */
export class ApprovalStore {
  private readonly redis: RedisWithApprovalScripts;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('fleetsignApprovalHold' in redis)) {
      redis.defineCommand('fleetsignApprovalHold', { numberOfKeys: 4, lua: HOLD_SCRIPT });
      redis.defineCommand('fleetsignApprovalDecide', { numberOfKeys: 4, lua: DECIDE_SCRIPT });
      redis.defineCommand('fleetsignApprovalExpire', { numberOfKeys: 4, lua: EXPIRE_SCRIPT });
    }
    this.redis = redis as RedisWithApprovalScripts;
  }

  keys(id: string, tenant: string): ApprovalRedisKeys {
    return approvalRedisKeys(this.prefix, id, tenant);
  }

  /**
   * Stores a held job or batch (with a batch's planned items as JSON) and indexes it as
   * pending, unless the id exists: then its request fingerprint comes back for the replay check.
   */
  async hold(id: string, record: NewApprovalRecord, items: readonly string[] = []): Promise<HoldOutcome> {
    const keys = this.keys(id, record.tenant);
    const expiresAtMs = Date.parse(record.expiresAt);
    const ttl = Math.max(1, Math.ceil((expiresAtMs - Date.now()) / 1000)) + APPROVAL_KEEP_AFTER_EXPIRY_SECONDS;
    const fields = Object.entries(newApprovalRecordFields(record)).flat();
    const [held, requestHash] = await this.redis.fleetsignApprovalHold(
      keys.record,
      keys.items,
      keys.pending,
      keys.tenantPending,
      ttl,
      expiresAtMs,
      id,
      fields.length,
      ...fields,
      ...items,
    );
    return held === 1 ? { held: true } : { held: false, requestHash };
  }

  /** Records one approver's decision atomically; see {@link DecideOutcome}. */
  async decide(id: string, tenant: string, decision: ApprovalDecision, now = Date.now()): Promise<DecideOutcome> {
    const keys = this.keys(id, tenant);
    const [outcome, extra] = await this.redis.fleetsignApprovalDecide(
      keys.record,
      keys.decisions,
      keys.pending,
      keys.tenantPending,
      decision.approver,
      decision.decision,
      decision.at,
      encodeApprovalDecision(decision),
      String(now),
      id,
    );
    switch (outcome) {
      case 'recorded':
      case 'approved':
        return { outcome, approvals: Number(extra) };
      case 'closed':
        return { outcome, state: extra as ApprovalState };
      case 'rejected':
      case 'duplicate':
      case 'expired':
      case 'missing':
        return { outcome };
      default:
        throw new Error(`approval script answered "${outcome}"`);
    }
  }

  /** Closes the approval as expired if it is pending and past its expiry; returns its state afterwards. */
  async expire(id: string, tenant: string, now = new Date()): Promise<ApprovalState | 'missing'> {
    const keys = this.keys(id, tenant);
    const state = await this.redis.fleetsignApprovalExpire(keys.record, keys.decisions, keys.pending, keys.tenantPending, String(now.getTime()), now.toISOString(), id);
    return state as ApprovalState | 'missing';
  }

  /** Records that the held sign jobs are on the queue with their verdict. */
  async markFinalised(id: string, tenant: string): Promise<void> {
    await this.redis.hset(this.keys(id, tenant).record, ApprovalField.finalised, '1');
  }

  /** The approval of `id`; undefined when there is none. */
  async get(id: string): Promise<ApprovalRecord | undefined> {
    // The tenant only names the index keys, which a read does not touch.
    const keys = this.keys(id, '_');
    const [hash, decisions] = await Promise.all([this.redis.hgetall(keys.record), this.redis.hgetall(keys.decisions)]);
    return parseApprovalRecord(id, hash, decisions);
  }

  /** A held batch's planned items (JSON), in index order. */
  heldItems(id: string): Promise<string[]> {
    return this.redis.lrange(this.keys(id, '_').items, 0, -1);
  }

  /** Pending approvals (of `tenant`, or of every tenant), soonest expiry first. */
  async pending(tenant?: string, limit = APPROVAL_LIST_MAX): Promise<ApprovalRecord[]> {
    const keys = this.keys('_', tenant ?? '_');
    const ids = await this.redis.zrange(tenant ? keys.tenantPending : keys.pending, 0, Math.min(limit, APPROVAL_LIST_MAX) - 1);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is ApprovalRecord => record !== undefined && record.state === 'pending');
  }
}
