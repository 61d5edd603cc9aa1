import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPem } from '@fleetsign/keys';
import { type ObjectStore, objectSource } from '@fleetsign/storage';
import { type LogEntry, LogLayout, MAX_LOG_OBJECT_BYTES, verifyLog } from '@fleetsign/tlog';

/**
 * A private transparency log for one spec's stack: its own folder in the shared bucket
 * (specs run in parallel against one bucket) and its own PEM log key.
 */
export class TestLog {
  readonly layout = new LogLayout(`log-${randomBytes(4).toString('hex')}/`);
  readonly origin = `fleetsign.test/${this.layout.root.slice(0, -1)}`;
  readonly keyPem = generateSigningKeyPem('ecdsa-p256');

  /** The `transparency_log` section of a configuration file; the key is written into `dir`. */
  configSection(dir: string): Record<string, unknown> {
    const path = join(dir, 'log-key.pem');
    writeFileSync(path, this.keyPem, { mode: 0o600 });
    return { origin: this.origin, key: { provider: 'pem', path }, store_prefix: this.layout.root };
  }

  /** Verifies the whole log in `store` and returns its entries (throws with the verdict's reason when it does not hold). */
  async entries(store: ObjectStore): Promise<LogEntry[]> {
    const verdict = await verifyLog(objectSource(store, MAX_LOG_OBJECT_BYTES), undefined, this.layout);
    if (!verdict.ok) throw new Error(`transparency log does not verify: ${verdict.reason}`);
    return verdict.entries;
  }

  /** The entries of one tenant's jobs, verified as part of the whole log. */
  async entriesOf(store: ObjectStore, tenant: string): Promise<LogEntry[]> {
    return (await this.entries(store)).filter((entry) => entry.tenant === tenant);
  }
}
