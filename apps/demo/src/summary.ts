import { isAbsolute, relative } from 'node:path';
import { DEMO_PROFILE, DEMO_TOKEN_KEYS } from './demo-config';
import type { DemoReport } from './run-demo';

/** The machine-readable last line of a successful run. */
export interface DemoResultLine {
  jobId: string;
  /** Absolute path of the signed image. */
  signed: string;
  /** Absolute path of the profile's public key (PEM). */
  publicKey: string;
  scheme: string;
}

/** A path as short as it can be read: relative to the working directory when it lies below it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** 1234 ms -> '1.23 s', 12.3 ms -> '12 ms'. */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** The human-readable summary of a successful run (lines without trailing new lines). */
export function summaryLines(report: DemoReport): string[] {
  const { job, image, verification } = report;
  const result = job.result;
  const steps = [...report.timings.durations].map(([name, ms]) => `${name} ${formatDuration(ms)}`);
  const t = result.timings;
  return [
    '',
    'FleetSign demo: an ESP32-S3 app signed through gateway -> signer (SoftHSM2) -> notifier',
    '',
    `  image           ${image.projectName} ${image.version} for ${image.chip}, ${image.bytes.length} bytes (file SHA-256 ${image.sha256})`,
    `  profile         ${DEMO_PROFILE} (${result.scheme}), key ${DEMO_TOKEN_KEYS[0].label} (${report.publicKey.algorithm}) on SoftHSM2 token '${report.token.label}'${report.token.reused ? ' (reused)' : ' (new)'}`,
    `  key digest      ${report.publicKey.keyDigestEfuse}  (eFuse Secure Boot V2 public key digest)`,
    `  image SHA-256   ${result.imageSha256}  (the ${verification.signedDataLength} padded bytes the signature covers)`,
    `  signed SHA-256  ${result.signedSha256}  (${result.signedSize} bytes)`,
    `  job             ${job.id} ${job.state} after ${job.attempts} attempt(s)`,
    `  signed image    ${shown(report.signedPath)}`,
    `  public key      ${shown(report.publicKeyPath)}`,
    `  webhook         ${report.event.event.type} ${report.event.webhookId}: signature verified (standardwebhooks), gateway reports ${report.deliveryState}`,
    `  verified        verifyV2 with the trusted key and ESP image layout: valid; node:crypto RSA-PSS on block 0: valid`,
    `  services        gateway ${report.gatewayUrl}; ${report.redis}; logs in ${shown(report.paths.logsDir)}`,
    `  signer timings  fetch ${formatDuration(t.fetchMs)}, sign ${formatDuration(t.signMs)}, store ${formatDuration(t.storeMs)}, total ${formatDuration(t.totalMs)}`,
    `  demo timings    ${steps.join(' | ')} | total ${formatDuration(report.timings.total())}`,
    '',
  ];
}

/** The last stdout line: what a script needs to pick up the results. */
export function resultLine(report: DemoReport): DemoResultLine {
  return {
    jobId: report.job.id,
    signed: report.signedPath,
    publicKey: report.publicKeyPath,
    scheme: report.job.result.scheme,
  };
}
