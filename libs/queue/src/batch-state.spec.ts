import {
  BatchField,
  allBatchRedisKeys,
  batchRedisKeys,
  decodeBatchItem,
  decodeItemOutcome,
  encodeBatchItem,
  encodeItemOutcome,
  newBatchRecordFields,
  parseBatchRecord,
  tenantBacklogRedisKey,
} from './batch-state';
import { QUEUE_NAMES } from './queue-name';

describe('batch Redis layout', () => {
  it('keeps every key of a batch under the queue prefix hash tag', () => {
    const keys = batchRedisKeys('{fleetsign}', 'batch_1');
    expect(keys.record).toBe('{fleetsign}:batch-state:batch_1');
    for (const key of allBatchRedisKeys(keys))
      expect(key.startsWith('{fleetsign}:batch-state:batch_1')).toBe(true);
    expect(new Set(allBatchRedisKeys(keys)).size).toBe(6);
    expect(tenantBacklogRedisKey('{fleetsign}', 'acme')).toBe('{fleetsign}:backlog:acme');
  });

  it("stays out of every queue's own key space (the batch job id is the batch id)", () => {
    const keys = [
      ...allBatchRedisKeys(batchRedisKeys('{fleetsign}', 'batch_1')),
      tenantBacklogRedisKey('{fleetsign}', 'acme'),
    ];
    for (const queue of QUEUE_NAMES) {
      for (const key of keys) expect(key.startsWith(`{fleetsign}:${queue}:`)).toBe(false);
    }
  });
});

describe('batch record', () => {
  it('round-trips a new record with its optional fields', () => {
    const fields = newBatchRecordFields({
      tenant: 'acme',
      profile: 'rel',
      total: 3,
      createdAt: '2026-01-01T00:00:00.000Z',
      requestHash: 'ab',
      requester: 'repo:acme/fw:ref:refs/heads/main',
      requesterIssuer: 'https://token.actions.githubusercontent.com',
      webhookUrl: 'https://h.example.com/x',
      metadata: { build: '7' },
      fresh: true,
    });
    expect(parseBatchRecord('batch_1', fields)).toEqual({
      batchId: 'batch_1',
      tenant: 'acme',
      profile: 'rel',
      total: 3,
      createdAt: '2026-01-01T00:00:00.000Z',
      requestHash: 'ab',
      requester: 'repo:acme/fw:ref:refs/heads/main',
      requesterIssuer: 'https://token.actions.githubusercontent.com',
      webhookUrl: 'https://h.example.com/x',
      metadata: { build: '7' },
      fresh: true,
      state: 'queued',
      enqueued: 0,
      succeeded: 0,
      failed: 0,
    });
  });

  it('reads progress written later and reports a missing batch as undefined', () => {
    const fields = newBatchRecordFields({
      tenant: 't',
      profile: 'p',
      total: 2,
      createdAt: 'c',
      requestHash: 'h',
    });
    const later = {
      ...fields,
      [BatchField.succeeded]: '1',
      [BatchField.failed]: '1',
      [BatchField.state]: 'completed',
      [BatchField.manifestKey]: 'm',
    };
    expect(parseBatchRecord('b', later)).toMatchObject({
      succeeded: 1,
      failed: 1,
      state: 'completed',
      manifestKey: 'm',
    });
    expect(parseBatchRecord('b', later)?.webhookUrl).toBeUndefined();
    expect(parseBatchRecord('b', {})).toBeUndefined();
  });
});

describe('item codecs', () => {
  it('round-trips item entries and outcomes', () => {
    const item = { name: 'a "quoted" name.bin', sourceKey: 'incoming/acme/a.bin' };
    expect(decodeBatchItem(encodeBatchItem(item))).toEqual(item);
    const ok = {
      state: 'succeeded' as const,
      signedKey: 's',
      imageSha256: 'i',
      signedSha256: 'x',
      blocks: [],
      reused: true,
    };
    expect(decodeItemOutcome(encodeItemOutcome(ok))).toEqual(ok);
    const failed = { state: 'failed' as const, error: { code: 'INVALID_IMAGE', message: 'bad' } };
    expect(decodeItemOutcome(encodeItemOutcome(failed))).toEqual(failed);
  });

  it('refuses malformed entries', () => {
    expect(() => decodeBatchItem('{"name":"x"}')).toThrow(TypeError);
    expect(() => decodeItemOutcome('{"state":"queued"}')).toThrow(TypeError);
  });
});
