import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH_STATE_FILE, BatchState } from './batch-state';

describe('BatchState', () => {
  let dir: string;
  const owner = { server: 'https://fleetsign.example', apiKey: 'fsk_secret_key_value', profile: 'rel' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps uploads and the batch id across runs, in a 0600 file without the API key', async () => {
    const first = await BatchState.load(dir, owner);
    first.recordUpload('aa'.repeat(32), { key: 'incoming/t/1.bin', size: 10 });
    first.recordBatch('fsbatch-1', 'batch_1');
    await first.save(true);

    const path = join(dir, BATCH_STATE_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toContain(owner.apiKey);

    const second = await BatchState.load(dir, owner);
    expect(second.upload('aa'.repeat(32))).toEqual({ key: 'incoming/t/1.bin', size: 10 });
    expect(second.batchFor('fsbatch-1')).toBe('batch_1');
    expect(second.batchFor('fsbatch-2')).toBeUndefined();
  });

  it.each([
    ['another server', { server: 'https://other.example' }],
    ['another API key', { apiKey: 'fsk_other' }],
    ['another profile', { profile: 'dev' }],
  ])('ignores a record of %s', async (_what, change) => {
    const first = await BatchState.load(dir, owner);
    first.recordUpload('bb'.repeat(32), { key: 'incoming/t/2.bin', size: 1 });
    await first.save(true);
    const other = await BatchState.load(dir, { ...owner, ...change });
    expect(other.upload('bb'.repeat(32))).toBeUndefined();
  });

  it('saves at most once per interval unless forced, and never a stale snapshot last', async () => {
    const state = await BatchState.load(dir, owner, 60_000);
    state.recordUpload('01'.repeat(32), { key: 'k1', size: 1 });
    await state.save();
    state.recordUpload('02'.repeat(32), { key: 'k2', size: 1 });
    await state.save();
    const read = () => JSON.parse(readFileSync(join(dir, BATCH_STATE_FILE), 'utf8')) as { uploads: Record<string, unknown> };
    expect(Object.keys(read().uploads)).toHaveLength(1);
    state.recordUpload('03'.repeat(32), { key: 'k3', size: 1 });
    await Promise.all([state.save(true), state.save(true)]);
    expect(Object.keys(read().uploads)).toHaveLength(3);
  });

  it('starts over from a damaged record', async () => {
    const state = await BatchState.load(dir, owner);
    state.recordBatch('k', 'batch_x');
    await state.save(true);
    writeFileSync(join(dir, BATCH_STATE_FILE), '{not json');
    expect((await BatchState.load(dir, owner)).batchFor('k')).toBeUndefined();
  });
});
