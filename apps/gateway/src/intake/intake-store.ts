import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, FleetSignError, isFleetSignError, isTransientError } from '@fleetsign/errors';
import {
  type BatchIntakeRecord,
  type IntakeRecord,
  type JobIntakeRecord,
  MAX_INTAKE_RECORD_BYTES,
  decodeIntakeRecord,
  encodeIntakeRecord,
} from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';
import { GatewaySettings } from '../core/gateway-settings';
import { OBJECT_STORE } from '../core/gateway.tokens';

/** What writing an intake record found. */
export type IntakeWrite =
  /** This call created the record. */
  | { created: true; key: string }
  /** A record existed already (a replayed request, or one accepted before Redis lost it). */
  | { created: false; key: string; existing: IntakeRecord };

/** A store fault at intake: nothing is accepted, the client retries (503, Retry-After). */
function unavailable(err: unknown): FleetSignError {
  return new FleetSignError(
    ErrorCode.ServiceUnavailable,
    'The object store does not answer, so the request was not accepted; retry later',
    { cause: isFleetSignError(err) ? err.code : 'unknown' },
  );
}

/**
 * The intake records of accepted requests in the object store (`intake/batches/<id>.json`,
 * `intake/jobs/<id>.json`), written create-only before the gateway answers 202 so the
 * reconcile step can re-create what a Redis loss took.
 */
@Injectable()
export class IntakeStore {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly settings: GatewaySettings,
  ) {}

  writeBatch(record: BatchIntakeRecord): Promise<IntakeWrite> {
    return this.write(this.settings.intake.batchKey(record.batchId), record);
  }

  writeJob(record: JobIntakeRecord): Promise<IntakeWrite> {
    return this.write(this.settings.intake.jobKey(record.jobId), record);
  }

  /** Removes a record this request created when it is not accepted after all (best effort: a leftover is only reconciled). */
  async withdraw(write: IntakeWrite): Promise<void> {
    if (write.created) await this.store.delete(write.key).catch(() => undefined);
  }

  /** Reads an intake record; undefined when the key holds none. */
  async read(key: string): Promise<IntakeRecord | undefined> {
    let data: Buffer;
    try {
      data = await this.store.getBuffer(key, MAX_INTAKE_RECORD_BYTES);
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
      throw err;
    }
    return decodeIntakeRecord(data);
  }

  private async write(key: string, record: IntakeRecord): Promise<IntakeWrite> {
    try {
      await this.store.put(key, encodeIntakeRecord(record), { contentType: 'application/json', ifNoneMatch: true });
      return { created: true, key };
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.FileExists)) throw isTransientError(err) ? unavailable(err) : err;
    }
    const existing = await this.read(key).catch((err: unknown) => {
      throw isTransientError(err) ? unavailable(err) : err;
    });
    if (!existing) throw unavailable(new FleetSignError(ErrorCode.StorageError, `intake record ${key} vanished`));
    return { created: false, key, existing };
  }
}
