import type { BatchItemView } from '@fleetsign/api';

/** One image that failed to sign. */
export interface FailedItem {
  index: number;
  name: string;
  jobId: string;
  code: string;
  message: string;
}

/** The outcome of a `batch` run (printed as text, or as JSON with --json). */
export interface BatchReport {
  batchId: string;
  profile: string;
  total: number;
  succeeded: number;
  failed: number;
  /** Signed images the service reused (same bytes, same keys) instead of signing again. */
  reused: number;
  /** Images uploaded by this run (identical images count once). */
  uploaded: number;
  downloaded: number;
  /** Signed images already in the output folder with the right SHA-256. */
  alreadyPresent: number;
  /** The batch was recorded by an earlier run of the same command. */
  resumed: boolean;
  elapsedSec: number;
  /** Items finished per second, signed or failed. */
  imagesPerSec: number;
  /** Images signed per second (failures do not count). */
  signedPerSec: number;
  outDir: string;
  manifestPath: string;
  failures: FailedItem[];
}

/** The failed items of a batch, in index order, named as their files (`localName`). */
export function failedItems(items: readonly BatchItemView[], localName: (item: BatchItemView) => string): FailedItem[] {
  return items
    .filter((item) => item.state === 'failed')
    .map((item) => ({
      index: item.index,
      name: localName(item),
      jobId: item.jobId,
      code: item.error?.code ?? 'INTERNAL',
      message: item.error?.message ?? 'failed without a reason',
    }));
}

/** Failures that share a code and message, with the images that had them. */
export interface FailureGroup {
  code: string;
  message: string;
  names: string[];
}

/** Groups identical failures (same code and message), largest group first, then by first index. */
export function groupFailures(failures: readonly FailedItem[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const failure of failures) {
    const key = `${failure.code}\0${failure.message}`;
    const group = groups.get(key) ?? { code: failure.code, message: failure.message, names: [] };
    group.names.push(failure.name);
    groups.set(key, group);
  }
  // Map order is first-seen order, which sort keeps for groups of equal size.
  return [...groups.values()].sort((a, b) => b.names.length - a.names.length);
}

/** Names listed under a failure group before `and N more`. */
export const NAMES_PER_GROUP = 5;

function groupLines(group: FailureGroup): string[] {
  if (group.names.length === 1) return [`  ${group.names[0]}: ${group.code}: ${group.message}`];
  const shown = group.names.slice(0, NAMES_PER_GROUP).join(', ');
  const more = group.names.length - NAMES_PER_GROUP;
  return [
    `  ${group.names.length} × ${group.code}: ${group.message}`,
    `    ${shown}${more > 0 ? ` and ${more} more` : ''}`,
  ];
}

/** The text summary: counts, timing, manifest, then the failures grouped by code and message. */
export function formatBatchReport(report: BatchReport): string[] {
  const lines = [
    `Batch ${report.batchId} (profile ${report.profile})${report.resumed ? ', resumed' : ''}: ` +
      `${report.total} images, ${report.succeeded} signed (${report.reused} reused), ${report.failed} failed`,
    `Uploaded ${report.uploaded}; downloaded ${report.downloaded} signed images to ${report.outDir}` +
      (report.alreadyPresent > 0 ? ` (${report.alreadyPresent} already there)` : ''),
    `Elapsed ${report.elapsedSec.toFixed(1)} s, ${report.signedPerSec.toFixed(2)} images signed/s`,
    `Manifest: ${report.manifestPath}`,
  ];
  if (report.failures.length > 0) {
    lines.push(`Failed (${report.failures.length}):`);
    for (const group of groupFailures(report.failures)) lines.push(...groupLines(group));
  }
  return lines;
}
