import type { BatchManifest, SignJobResult } from '@fleetsign/queue';
import { runCli } from '../../../apps/cli/src/cli';
import { createClientCommands } from '../../../apps/cli/src/commands/client';
import { pollUntil } from '../gateway/gateway-harness';
import { ApprovalsStack, DUAL_PROFILE, PLAIN_PROFILE, QUICK_PROFILE } from './approvals-stack';

// Dual control against a real gateway, signer (SoftHSM2 key), Redis and S3: jobs and
// batches of a profile with approval wait off the sign queue with no HSM operation,
// N distinct approvers (never the requester) release them, one rejection or the expiry
// fails them with a stable code, and the log records who approved.

jest.setTimeout(120_000);

const HOOK = 'https://hooks.example.com/fleetsign/approvals';

type Approval = { state: string; required: number; approved: number; decisions: Array<{ approver: string; decision: string; comment?: string }>; expiresAt: string };

describe('approvals (dual control)', () => {
  let stack: ApprovalsStack;

  beforeAll(async () => {
    stack = await ApprovalsStack.start();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('holds a job with no HSM operation until two distinct approvers (never the requester) release it', async () => {
    const before = await stack.hsmSignings();
    const held = await stack.submit(DUAL_PROFILE, HOOK);
    expect(held.status).toBe(202);
    expect(held.body.state).toBe('awaiting_approval');
    const id = held.body.id as string;

    // A control job on a profile without approval is signed by the running signer ...
    const control = await stack.submit(PLAIN_PROFILE);
    await stack.jobIn(control.body.id as string, ['succeeded']);
    // ... while the held job is not on the sign queue and no key signed anything for it.
    expect(await stack.signQueue.getJob(id)).toBeUndefined();
    expect(await stack.hsmSignings()).toBe(before + 1);

    const view = (await stack.json(`/v1/jobs/${id}`, { token: stack.requester })).body;
    expect(view).toMatchObject({ id, state: 'awaiting_approval', requester: 'requester', profile: DUAL_PROFILE });
    const approval = view.approval as Approval;
    expect(approval).toMatchObject({ state: 'pending', required: 2, approved: 0, decisions: [] });
    expect(Date.parse(approval.expiresAt)).toBeGreaterThan(Date.now());

    // sign.awaiting_approval is enqueued once for the notifier.
    const event = await stack.webhookQueue.getJob(`evt_${id}_awaiting_approval`);
    expect(event?.data).toMatchObject({ type: 'sign.awaiting_approval', jobId: id, url: HOOK, payload: { jobId: id, state: 'awaiting_approval', requester: 'requester', approval: { required: 2 } } });

    // The requester may not approve (even holding the approve scope); nor may a non-approver or another tenant.
    const own = await stack.decide('jobs', id, stack.requester, 'approve');
    expect([own.status, own.body.code]).toEqual([403, 'APPROVAL_BY_REQUESTER']);
    const outsider = await stack.decide('jobs', id, stack.outsider, 'approve');
    expect([outsider.status, outsider.body.code]).toEqual([403, 'APPROVER_NOT_ALLOWED']);
    const foreign = await stack.decide('jobs', id, stack.foreign, 'approve');
    expect([foreign.status, foreign.body.code]).toEqual([404, 'NOT_FOUND']);

    const first = await stack.decide('jobs', id, stack.approver1, 'approve', 'release 1.2 looks right');
    expect(first.status).toBe(200);
    expect(first.body.approval).toMatchObject({ state: 'pending', approved: 1 });
    const again = await stack.decide('jobs', id, stack.approver1, 'approve');
    expect([again.status, again.body.code]).toEqual([409, 'APPROVAL_ALREADY_DECIDED']);
    expect(await stack.signQueue.getJob(id)).toBeUndefined();

    // The listing shows it to an approver who may still decide.
    const listed = await stack.json<{ approvals: Array<{ id: string; mayDecide: boolean }> }>('/v1/approvals', { token: stack.scoped });
    expect(listed.body.approvals.find((a) => a.id === id)).toMatchObject({ mayDecide: true });

    const second = await stack.decide('jobs', id, stack.scoped, 'approve');
    expect(second.status).toBe(200);
    expect(second.body.approval).toMatchObject({ state: 'approved', approved: 2 });
    const late = await stack.decide('jobs', id, stack.approver2, 'approve');
    expect([late.status, late.body.code]).toEqual([409, 'APPROVAL_CLOSED']);

    const done = await stack.jobIn(id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    expect(await stack.hsmSignings()).toBe(before + 2);
    const result = done.result as SignJobResult;
    expect(result.policy?.approvals?.map((d) => d.approver)).toEqual(['approver-1', 'approver-3']);
    expect(done.approval).toMatchObject({ state: 'approved', approved: 2 });

    // The transparency log entry records the requester and who approved.
    const entry = (await stack.log.entriesOf(stack.store, stack.tenant)).find((e) => e.jobId === id);
    expect(entry).toMatchObject({ requester: 'requester' });
    expect(entry?.approvals).toEqual([
      expect.objectContaining({ approver: 'approver-1', decision: 'approve', comment: 'release 1.2 looks right' }),
      expect.objectContaining({ approver: 'approver-3', decision: 'approve' }),
    ]);
    expect(entry?.policy).not.toHaveProperty('approvals');
  });

  it('fails a rejected job with APPROVAL_REJECTED, no HSM operation and no log entry, and sends sign.failed', async () => {
    const before = await stack.hsmSignings();
    const held = await stack.submit(DUAL_PROFILE, HOOK);
    const id = held.body.id as string;
    await stack.decide('jobs', id, stack.approver1, 'approve');
    const rejected = await stack.decide('jobs', id, stack.approver2, 'reject', 'not this build');
    expect(rejected.status).toBe(200);
    expect(rejected.body.approval).toMatchObject({ state: 'rejected' });

    const failed = await stack.jobIn(id, ['failed', 'succeeded']);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'APPROVAL_REJECTED' }, approval: { state: 'rejected' } });
    expect((failed.error as { message: string }).message).toContain('approver-2');
    expect(await stack.hsmSignings()).toBe(before);
    expect((await stack.log.entriesOf(stack.store, stack.tenant)).some((e) => e.jobId === id)).toBe(false);
    const event = await stack.webhookQueue.getJob(`evt_${id}`);
    expect(event?.data).toMatchObject({ type: 'sign.failed', payload: { error: { code: 'APPROVAL_REJECTED' }, approval: { state: 'rejected' } } });
  });

  it('expires a job with APPROVAL_EXPIRED even when the gateway that took it is gone', async () => {
    const before = await stack.hsmSignings();
    const held = await stack.submit(QUICK_PROFILE);
    const id = held.body.id as string;
    expect(held.body.state).toBe('awaiting_approval');
    // The expiry lives in Redis (a delayed job), not in the gateway that accepted the job.
    await stack.gateway.close();
    await stack.startGateway();
    const failed = await stack.jobIn(id, ['failed', 'succeeded'], 1200);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'APPROVAL_EXPIRED' }, approval: { state: 'expired' } });
    const late = await stack.decide('jobs', id, stack.approver1, 'approve');
    expect([late.status, late.body.code]).toEqual([409, 'APPROVAL_CLOSED']);
    expect(await stack.hsmSignings()).toBe(before);
  });

  it('releases a whole batch with one approval and records the approvers on every item', async () => {
    const before = await stack.hsmSignings();
    const items = await Promise.all([0, 1, 2].map(async (i) => ({ source: { key: await stack.putImage() }, name: `v${i}.bin` })));
    const posted = await stack.json('/v1/batches', { method: 'POST', token: stack.requester, json: { profile: DUAL_PROFILE, items, webhook: { url: HOOK } } });
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ state: 'awaiting_approval', total: 3 });
    const id = posted.body.id as string;

    const waiting = (await stack.json(`/v1/batches/${id}`, { token: stack.requester })).body;
    expect(waiting).toMatchObject({ state: 'awaiting_approval', approval: { state: 'pending', required: 2 } });
    // One event for the whole batch.
    const event = await stack.webhookQueue.getJob(`evt_${id}_awaiting_approval`);
    expect(event?.data).toMatchObject({ type: 'sign.awaiting_approval', batchId: id, payload: { batchId: id, total: 3 } });
    const jobIdsBefore = (await stack.signQueue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed'])).filter((j) => j?.data.batchId === id);
    expect(jobIdsBefore).toHaveLength(0);

    const own = await stack.decide('batches', id, stack.requester, 'approve');
    expect(own.body.code).toBe('APPROVAL_BY_REQUESTER');
    await stack.decide('batches', id, stack.approver2, 'approve');
    const released = await stack.decide('batches', id, stack.approver1, 'approve');
    expect(released.body.approval).toMatchObject({ state: 'approved', approved: 2 });

    const done = await pollUntil(
      () => stack.json(`/v1/batches/${id}`, { token: stack.requester }),
      (r) => r.body.state === 'completed',
      1200,
    );
    expect(done.body).toMatchObject({ state: 'completed', counts: { succeeded: 3, failed: 0 }, approval: { state: 'approved' } });
    expect(await stack.hsmSignings()).toBe(before + 3);
    const manifestKey = (done.body.manifest as { key: string }).key;
    const manifest = JSON.parse((await stack.store.getBuffer(manifestKey)).toString('utf8')) as BatchManifest;
    expect(manifest.approval).toMatchObject({ state: 'approved', required: 2 });
    expect(manifest.approval?.decisions.map((d) => d.approver)).toEqual(['approver-2', 'approver-1']);
    for (const item of manifest.items) expect(item.policy?.approvals?.map((d) => d.approver)).toEqual(['approver-2', 'approver-1']);
    const completed = await stack.webhookQueue.getJob(`evt_${id}`);
    expect(completed?.data).toMatchObject({ type: 'batch.completed', payload: { approval: { state: 'approved' } } });
    const entries = (await stack.log.entriesOf(stack.store, stack.tenant)).filter((e) => e.batch?.id === id);
    expect(entries).toHaveLength(3);
    for (const entry of entries) expect(entry.approvals?.map((d) => d.approver)).toEqual(['approver-2', 'approver-1']);
  });

  it('fails every item of a rejected batch with APPROVAL_REJECTED in the manifest', async () => {
    const before = await stack.hsmSignings();
    const items = await Promise.all([0, 1].map(async (i) => ({ source: { key: await stack.putImage() }, name: `r${i}.bin` })));
    const posted = await stack.json('/v1/batches', { method: 'POST', token: stack.requester, json: { profile: DUAL_PROFILE, items } });
    const id = posted.body.id as string;
    const rejected = await stack.decide('batches', id, stack.scoped, 'reject', 'wrong release');
    expect(rejected.body.approval).toMatchObject({ state: 'rejected' });
    const done = await pollUntil(
      () => stack.json(`/v1/batches/${id}`, { token: stack.requester }),
      (r) => r.body.state === 'completed',
      1200,
    );
    expect(done.body).toMatchObject({ counts: { succeeded: 0, failed: 2 } });
    const manifest = JSON.parse((await stack.store.getBuffer((done.body.manifest as { key: string }).key)).toString('utf8')) as BatchManifest;
    expect(manifest.items.map((item) => item.error?.code)).toEqual(['APPROVAL_REJECTED', 'APPROVAL_REJECTED']);
    expect(manifest.approval).toMatchObject({ state: 'rejected', decisions: [{ approver: 'approver-3', decision: 'reject', comment: 'wrong release' }] });
    expect(await stack.hsmSignings()).toBe(before);
  });

  describe('fleetsign approvals', () => {
    const cli = async (bearer: string, ...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(
        [...argv, '--url', stack.gateway.url, '--api-key', bearer],
        { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
        createClientCommands({ progress: 'lines', handleInterrupts: false }),
      );
      expect(stdout + stderr).not.toContain(bearer);
      return { code, stdout, stderr };
    };

    it('lists, shows, approves and rejects; the requester gets one line and exit 2', async () => {
      const id = (await stack.submit(DUAL_PROFILE)).body.id as string;
      const listed = await cli(stack.approver1, 'approvals', 'list');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^${id}  job, profile ${DUAL_PROFILE}, requested by requester, 0/2 approvals, expires `, 'm'));

      const own = await cli(stack.requester, 'approvals', 'approve', id);
      expect(own.code).toBe(2);
      expect(own.stderr.trim().split('\n')).toHaveLength(1);
      expect(own.stderr).toContain('APPROVAL_BY_REQUESTER');

      const approved = await cli(stack.approver1, 'approvals', 'approve', id, '--comment', 'ok by me');
      expect(approved.code).toBe(0);
      expect(approved.stdout).toContain('Approval: pending, 1 of 2 approvals');
      expect(approved.stdout).toMatch(/approved by approver-1 at .*: ok by me/);

      const rejected = await cli(stack.approver2, 'approvals', 'reject', id, '--comment', 'not yet');
      expect(rejected.stdout).toContain('Approval: rejected, 1 of 2 approvals');
      const shown = await cli(stack.outsider, 'approvals', 'show', id, '--json');
      expect(JSON.parse(shown.stdout)).toMatchObject({ id, requester: 'requester', mayDecide: false, approval: { state: 'rejected' } });
      const status = await cli(stack.requester, 'status', id);
      expect(status.stdout).toMatch(/rejected by approver-2 at .*: not yet/);
    });
  });
});
