import { Injectable } from '@nestjs/common';
import { type BatchIntakeRecord, INTAKE_RECORD_VERSION, type NewBatchRecord } from '@fleetsign/queue';
import { type IntakeWrite, IntakeStore } from '../intake/intake-store';
import { UploadIntents } from '../uploads/upload-intents';
import type { PlannedItem } from './batch-request';

/** The intake record of an accepted batch. */
export function batchIntakeRecord(batchId: string, record: NewBatchRecord, items: readonly PlannedItem[]): BatchIntakeRecord {
  return {
    version: INTAKE_RECORD_VERSION,
    kind: 'batch',
    batchId,
    tenant: record.tenant,
    profile: record.profile,
    ...(record.requester ? { requester: record.requester } : {}),
    createdAt: record.createdAt,
    requestHash: record.requestHash,
    ...(record.webhookUrl ? { webhookUrl: record.webhookUrl } : {}),
    ...(record.metadata ? { metadata: record.metadata } : {}),
    ...(record.fresh ? { fresh: true } : {}),
    items: items.map((item) => ({
      name: item.name,
      sourceKey: item.sourceKey,
      ...(item.sha256 ? { sha256: item.sha256 } : {}),
      ...(item.size !== undefined ? { size: item.size } : {}),
      ...(item.metadata ? { metadata: item.metadata } : {}),
    })),
  };
}

/** The batch record and items an intake record describes, to re-create them after a Redis loss. */
export function batchOfIntake(intake: BatchIntakeRecord): { record: NewBatchRecord; items: PlannedItem[] } {
  return {
    record: {
      tenant: intake.tenant,
      profile: intake.profile,
      total: intake.items.length,
      createdAt: intake.createdAt,
      requestHash: intake.requestHash,
      ...(intake.requester ? { requester: intake.requester } : {}),
      ...(intake.webhookUrl ? { webhookUrl: intake.webhookUrl } : {}),
      ...(intake.metadata ? { metadata: intake.metadata } : {}),
      ...(intake.fresh ? { fresh: true } : {}),
    },
    items: intake.items.map((item) => ({ ...item })),
  };
}

/** Keeps a batch's intake record: its items with the digest and size their uploads declared (Redis forgets those in a day). */
@Injectable()
export class BatchIntake {
  constructor(
    private readonly intake: IntakeStore,
    private readonly intents: UploadIntents,
  ) {}

  /** The items with each upload's declared digest and size (one Redis round trip). */
  async withUploadFacts(items: readonly PlannedItem[]): Promise<PlannedItem[]> {
    const unknown = items.filter((item) => !item.sha256).map((item) => item.sourceKey);
    const intents = await this.intents.recallAll(unknown);
    return items.map((item) => {
      const intent = item.sha256 ? undefined : intents.get(item.sourceKey);
      const sha256 = item.sha256 ?? intent?.sha256;
      return { ...item, ...(sha256 ? { sha256 } : {}), ...(intent?.size !== undefined ? { size: intent.size } : {}) };
    });
  }

  writeBatch(record: BatchIntakeRecord): Promise<IntakeWrite> {
    return this.intake.writeBatch(record);
  }

  withdraw(write: IntakeWrite): Promise<void> {
    return this.intake.withdraw(write);
  }
}
