import type { Job, JobState, Queue } from 'bullmq';

/** A job as read from its queue, with the state it was in. */
export interface JobWithState<J extends Job> {
  job: J;
  state: JobState | 'unknown';
}

/**
 * Reads a job's state, then the job. In this order the two agree: a job only moves
 * forward, so the job read second is at least as new as the state, and a job seen
 * completed or failed comes with its result or reason and attempt count. Read the other
 * way round, a job finishing between the two reads would show as failed with no reason
 * and no attempts (or completed without its result).
 */
export async function readJobWithState<J extends Job>(
  queue: Pick<Queue, 'getJobState'> & { getJob(id: string): Promise<J | undefined> },
  id: string,
): Promise<JobWithState<J> | undefined> {
  const state = await queue.getJobState(id);
  const job = await queue.getJob(id);
  return job ? { job, state } : undefined;
}
