import { jobTimeBreakdown, type JobRecord } from './job-records';

function record(
  id: string,
  processedOn: number,
  finishedOn: number,
  totalMs: number,
  attemptsMade = 1,
): JobRecord {
  return {
    id,
    addedAt: 0,
    processedOn,
    finishedOn,
    attemptsMade,
    timings: { fetchMs: 1, signMs: 2, storeMs: 3, totalMs },
  };
}

describe('jobTimeBreakdown', () => {
  it('reports mean step times, the rest as other, and how many jobs ran at once', () => {
    // Two lanes of jobs of 10 ms back to back over a 20 ms window: two always in progress.
    const records = [
      record('a', 0, 10, 8),
      record('b', 10, 20, 8),
      record('c', 0, 10, 8),
      record('d', 10, 20, 8, 2),
    ];
    const breakdown = jobTimeBreakdown(records);
    expect(breakdown.pipelineMeanMs).toEqual({ fetch: 1, sign: 2, store: 3, other: 2, total: 8 });
    expect(breakdown.workerMeanMs).toBe(10);
    expect(breakdown.busySeconds).toBe(0.02);
    expect(breakdown.averageInProgress).toBe(2);
    expect(breakdown.peakInProgress).toBe(2);
    expect(breakdown.retried).toBe(1);
  });

  it('does not count a job that starts as another ends as running beside it', () => {
    const breakdown = jobTimeBreakdown([record('a', 0, 10, 9), record('b', 10, 20, 9), record('c', 5, 8, 2)]);
    expect(breakdown.peakInProgress).toBe(2);
    expect(breakdown.averageInProgress).toBe(1.15);
  });
});
