import { randomUUID } from 'node:crypto';
import { ApprovalStore, createRedisConnection, type DecideOutcome, queuePrefix } from '@fleetsign/queue';
import type { Redis } from 'ioredis';
import { requireTestEnv } from '../../support/test-env';

// The approval scripts on a real Redis: racing approvers, each counted once, exactly one
// release at N, rejection and expiry closing the approval for everyone.

const TENANT = 'acme';

describe('ApprovalStore', () => {
  let redis: Redis;
  let store: ApprovalStore;

  beforeAll(() => {
    redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
    store = new ApprovalStore(redis, queuePrefix(`fst-apst-${randomUUID().slice(0, 8)}`));
  });

  afterAll(async () => {
    await redis.quit();
  });

  async function hold(required: number, expiresInMs = 3_600_000): Promise<string> {
    const id = `job_${randomUUID().replace(/-/g, '')}`;
    const held = await store.hold(id, {
      subject: 'job',
      tenant: TENANT,
      profile: 'rel',
      requester: 'ci',
      required,
      approvers: ['scope:approve'],
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      requestHash: 'h1',
    });
    expect(held).toEqual({ held: true });
    return id;
  }

  const decide = (id: string, approver: string, decision: 'approve' | 'reject' = 'approve') =>
    store.decide(id, TENANT, { approver, decision, at: new Date().toISOString() });

  it('holds once: a second hold of the id answers the first request fingerprint', async () => {
    const id = await hold(1);
    const again = await store.hold(id, {
      subject: 'job', tenant: TENANT, profile: 'rel', requester: 'ci', required: 1, approvers: [], createdAt: '', expiresAt: new Date(Date.now() + 1000).toISOString(), requestHash: 'h2',
    });
    expect(again).toEqual({ held: false, requestHash: 'h1' });
    expect((await store.pending(TENANT)).map((r) => r.id)).toContain(id);
  });

  it('releases exactly once when ten decisions of five approvers race for three approvals', async () => {
    const id = await hold(3);
    const approvers = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const outcomes: DecideOutcome[] = await Promise.all([...approvers, ...approvers].map((a) => decide(id, a)));
    const count = (kind: DecideOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
    expect(count('approved')).toBe(1);
    expect(count('recorded')).toBe(2);
    expect(count('recorded') + count('approved') + count('duplicate') + count('closed')).toBe(10);
    const record = await store.get(id);
    expect(record?.state).toBe('approved');
    expect(record?.decisions).toHaveLength(3);
    expect(new Set(record?.decisions.map((d) => d.approver)).size).toBe(3);
    expect((await store.pending(TENANT)).map((r) => r.id)).not.toContain(id);
  });

  it('counts each approver once and closes on the first rejection', async () => {
    const id = await hold(2);
    expect(await decide(id, 'a1')).toEqual({ outcome: 'recorded', approvals: 1 });
    expect(await decide(id, 'a1')).toEqual({ outcome: 'duplicate' });
    expect(await decide(id, 'a2', 'reject')).toEqual({ outcome: 'rejected' });
    expect(await decide(id, 'a3')).toEqual({ outcome: 'closed', state: 'rejected' });
    expect(await store.expire(id, TENANT)).toBe('rejected');
  });

  it('expires only once past the expiry; decisions after it are refused', async () => {
    const id = await hold(1, 60_000);
    expect(await store.expire(id, TENANT)).toBe('pending');
    expect(await store.decide(id, TENANT, { approver: 'a1', decision: 'approve', at: 'x' }, Date.now() + 61_000)).toEqual({ outcome: 'expired' });
    expect(await store.expire(id, TENANT, new Date(Date.now() + 61_000))).toBe('expired');
    expect(await decide(id, 'a1')).toEqual({ outcome: 'closed', state: 'expired' });
    expect(await store.expire('job_unknown', TENANT)).toBe('missing');
  });
});
