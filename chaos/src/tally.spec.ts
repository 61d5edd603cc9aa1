import { countDuplicated, takeoverSummary, takeoverTimes, tallyItems } from './tally';

describe('the chaos tally', () => {
  it('counts succeeded, failed by code, infrastructure failures and lost items', () => {
    const tally = tallyItems(5, [
      { jobId: 'a', state: 'succeeded' },
      { jobId: 'b', state: 'failed', errorCode: 'STORAGE_ERROR' },
      { jobId: 'c', state: 'failed', errorCode: 'INVALID_IMAGE' },
      { jobId: 'd', state: 'active' },
    ]);
    expect(tally).toEqual({
      tried: 5,
      succeeded: 1,
      failedByCode: { STORAGE_ERROR: 1, INVALID_IMAGE: 1 },
      failedByInfrastructure: 1,
      lost: 2,
    });
  });

  it('counts a job once however it is duplicated', () => {
    expect(countDuplicated(['a', 'b', 'a'], ['a', 'b', 'c'])).toBe(1);
    expect(countDuplicated(['a', 'b'], ['b', 'b', 'c'])).toBe(1);
    expect(countDuplicated(['a', 'b'], ['a', 'b'])).toBe(0);
  });

  it('measures takeover only for jobs that became active again after the kill', () => {
    const kills = [{ signer: 'signer', killedAt: 1_000, activeJobIds: ['a', 'b', 'c'] }];
    const again = new Map<string, number | undefined>([
      ['a', 9_000],
      ['b', 500],
      ['c', undefined],
    ]);
    expect(takeoverTimes(kills, again)).toEqual([8_000]);
    // Killed with its signer twice: measured once, from the kill before it became active again.
    const twice = [
      { signer: 'signer', killedAt: 1_000, activeJobIds: ['a'] },
      { signer: 'signer-2', killedAt: 4_000, activeJobIds: ['a'] },
    ];
    expect(takeoverTimes(twice, new Map([['a', 9_000]]))).toEqual([5_000]);
    expect(takeoverSummary([8_000, 2_000, 4_000])).toEqual({ samples: 3, p50Ms: 4_000, p99Ms: 8_000, maxMs: 8_000 });
    expect(takeoverSummary([])).toEqual({ samples: 0 });
  });
});
