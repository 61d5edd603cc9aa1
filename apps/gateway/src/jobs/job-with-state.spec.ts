import type { Job, JobState } from 'bullmq';
import { readJobWithState } from './job-with-state';

/** A queue whose job finishes between the first and the second read, as a worker may make it. */
function finishingQueue() {
  const reads: string[] = [];
  let finished = false;
  const job = () => ({ id: 'job_1', attemptsMade: finished ? 1 : 0, failedReason: finished ? '{"code":"X","message":"y"}' : undefined }) as unknown as Job;
  return {
    reads,
    queue: {
      async getJobState(): Promise<JobState | 'unknown'> {
        reads.push('state');
        const state = finished ? 'failed' : 'active';
        finished = true;
        return state;
      },
      async getJob(): Promise<Job | undefined> {
        reads.push('job');
        const read = job();
        finished = true;
        return read;
      },
    },
  };
}

describe('readJobWithState', () => {
  it('reads the state before the job, so a finished state always comes with its reason and attempts', async () => {
    const { queue, reads } = finishingQueue();
    const read = await readJobWithState(queue, 'job_1');
    expect(reads).toEqual(['state', 'job']);
    // The job moved on after its state was read: the view may lag (active), never contradict itself.
    expect(read).toMatchObject({ state: 'active', job: { attemptsMade: 1 } });
  });

  it('is undefined for a job that does not exist', async () => {
    const queue = { getJobState: async () => 'unknown' as const, getJob: async (): Promise<Job | undefined> => undefined };
    expect(await readJobWithState(queue, 'job_2')).toBeUndefined();
  });
});
