import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The verdict of `fleetsign audit verify`: exit 0 or not, and its last output line. */
export interface AuditVerdict {
  ok: boolean;
  line: string;
}

/** The auditor's own copies of what it trusts (saved before any change to the store). */
export interface AuditTrustFiles {
  checkpointFile: string;
  logKeyFile: string;
  origin: string;
}

const AUDIT_TIMEOUT_MS = 120_000;

/** Runs the built `fleetsign audit verify --store-dir` (with the trusted checkpoint, key and origin when given). */
export function auditVerify(root: string, storeDir: string, trust?: AuditTrustFiles): Promise<AuditVerdict> {
  const args = [join(root, 'bin', 'fleetsign.js'), 'audit', 'verify', '--store-dir', storeDir];
  if (trust) args.push('--trusted-checkpoint', trust.checkpointFile, '--log-key', trust.logKeyFile, '--origin', trust.origin);
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: AUDIT_TIMEOUT_MS }, (err, stdout, stderr) => {
      const lines = `${stdout}\n${stderr}`.split('\n').map((line) => line.trim()).filter(Boolean);
      resolve({ ok: err === null, line: lines[lines.length - 1] ?? (err ? err.message : '') });
    });
  });
}
