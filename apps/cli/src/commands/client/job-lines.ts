import type { ApprovalView, BatchView, JobView } from '@fleetsign/api';

/** Human-readable lines describing a job. */
export function jobLines(job: JobView): string[] {
  const lines = [`Job ${job.id}: ${job.state} (profile ${job.profile})`, `Created ${job.createdAt}${job.finishedAt ? `, finished ${job.finishedAt}` : ''}; attempts ${job.attempts}`];
  if (job.requester) lines.push(requesterLine(job));
  if (job.approval) lines.push(...approvalLines(job.approval));
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
    for (const usage of result.policy?.usage ?? []) lines.push(usageLine(usage));
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
  if (batch.requester) lines.push(requesterLine(batch));
  if (batch.approval) lines.push(...approvalLines(batch.approval));
  if (batch.manifest) lines.push(`Manifest: ${batch.manifest.key}`);
  if (batch.webhook) lines.push(webhookLine(batch.webhook));
  return lines;
}

/** 'Key 0 usage: signature 3 of 3 (0 left); 3 of 10 in the last 1h (7 left)'. */
function usageLine(usage: NonNullable<NonNullable<NonNullable<JobView['result']>['policy']>['usage']>[number]): string {
  const total = usage.maxSignatures !== undefined ? `signature ${usage.count} of ${usage.maxSignatures} (${usage.remaining ?? 0} left)` : `signature ${usage.count}`;
  const window = usage.window ? `; ${usage.window.used} of ${usage.window.max} in the last ${usage.window.length} (${usage.window.remaining} left)` : '';
  return `Key ${usage.keyIndex} usage: ${total}${window}`;
}

/** `Requested by: <API key id>`, or `<token subject> (OIDC issuer <url>)` for a CI identity. */
function requesterLine(view: { requester?: string; requesterIssuer?: string }): string {
  return `Requested by: ${view.requester}${view.requesterIssuer ? ` (OIDC issuer ${view.requesterIssuer})` : ''}`;
}

function webhookLine(webhook: NonNullable<JobView['webhook']>): string {
  return `Webhook ${webhook.eventId}: ${webhook.state} (${webhook.attempts} attempts)${webhook.lastError ? `, last error: ${webhook.lastError}` : ''}`;
}

/** Lines of an approval: where it stands, then one line per decision. */
export function approvalLines(approval: ApprovalView): string[] {
  const when = approval.state === 'pending' ? `expires ${approval.expiresAt}` : `decided ${approval.decidedAt ?? ''}`.trim();
  const lines = [`Approval: ${approval.state}, ${approval.approved} of ${approval.required} approvals, ${when}`];
  for (const d of approval.decisions) lines.push(`  ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${d.approver} at ${d.at}${d.comment ? `: ${d.comment}` : ''}`);
  return lines;
}
