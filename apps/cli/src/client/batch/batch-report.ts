import type { BatchItemView } from '../http/api-types';

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
  imagesPerSec: number;
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

/** The text summary: counts, timing, manifest, then every failed image with its code. */
export function formatBatchReport(report: BatchReport): string[] {
  const lines = [
    `Batch ${report.batchId} (profile ${report.profile})${report.resumed ? ', resumed' : ''}: ` +
      `${report.total} images, ${report.succeeded} signed (${report.reused} reused), ${report.failed} failed`,
    `Uploaded ${report.uploaded}; downloaded ${report.downloaded} signed images to ${report.outDir}` +
      (report.alreadyPresent > 0 ? ` (${report.alreadyPresent} already there)` : ''),
    `Elapsed ${report.elapsedSec.toFixed(1)} s, ${report.imagesPerSec.toFixed(2)} images/s`,
    `Manifest: ${report.manifestPath}`,
  ];
  if (report.failures.length > 0) {
    lines.push(`Failed (${report.failures.length}):`);
    for (const failure of report.failures) lines.push(`  ${failure.name}: ${failure.code}: ${failure.message}`);
  }
  return lines;
}
