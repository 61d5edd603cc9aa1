import type { BatchView, JobView } from '@fleetsign/api';

/** Human-readable lines describing a job. */
export function jobLines(job: JobView): string[] {
  const lines = [`Job ${job.id}: ${job.state} (profile ${job.profile})`, `Created ${job.createdAt}${job.finishedAt ? `, finished ${job.finishedAt}` : ''}; attempts ${job.attempts}`];
  if (job.requester) lines.push(`Requested by: ${job.requester}`);
  if (job.error) lines.push(`Error: ${job.error.code}: ${job.error.message}`);
  if (job.result) {
    const { result } = job;
    lines.push(
      `Signed image: ${result.signedKey} (${result.signedSize} bytes, ${result.scheme}${result.reused ? ', reused' : ''})`,
      `Signed SHA-256: ${result.signedSha256}`,
      `Image digest:   ${result.imageSha256}`,
    );
    for (const block of result.blocks) lines.push(`Block ${block.index} (${block.algorithm}) key digest: ${block.keyDigest}`);
    const app = result.policy?.app;
    if (app) lines.push(`App: ${app.projectName} ${app.version}, secure_version ${app.secureVersion}, ESP-IDF ${app.idfVersion}, built ${app.buildDate} ${app.buildTime}`);
  }
  if (job.webhook) lines.push(webhookLine(job.webhook));
  return lines;
}

/** Human-readable lines describing a batch. */
export function batchLines(batch: BatchView): string[] {
  const { counts } = batch;
  const lines = [
    `Batch ${batch.id}: ${batch.state} (profile ${batch.profile})`,
    `Items: ${batch.total} total, ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.active} active, ` +
      `${counts.queued} queued (${Math.floor(batch.progress * 100)}%)`,
    `Created ${batch.createdAt}${batch.finishedAt ? `, finished ${batch.finishedAt}` : ''}`,
  ];
  if (batch.requester) lines.push(`Requested by: ${batch.requester}`);
  if (batch.manifest) lines.push(`Manifest: ${batch.manifest.key}`);
  if (batch.webhook) lines.push(webhookLine(batch.webhook));
  return lines;
}

function webhookLine(webhook: NonNullable<JobView['webhook']>): string {
  return `Webhook ${webhook.eventId}: ${webhook.state} (${webhook.attempts} attempts)${webhook.lastError ? `, last error: ${webhook.lastError}` : ''}`;
}
