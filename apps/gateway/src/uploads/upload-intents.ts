import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { GatewaySettings, UPLOAD_INTENT_TTL_SEC } from '../core/gateway-settings';
import { REDIS } from '../core/gateway.tokens';

/** What the client declared (presigned upload) or the gateway measured (direct upload) about an upload. */
export interface UploadIntent {
  sha256?: string;
  size?: number;
  /** Chip id from the image header, when the gateway saw the bytes (direct or fs-presigned upload). */
  chipId?: number;
}

/**
 * Remembers each upload's declared digest and size for a day, so a job naming the
 * object carries them and the signer refuses an object swapped after the fact.
 */
@Injectable()
export class UploadIntents {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly settings: GatewaySettings,
  ) {}

  private keyOf(objectKey: string): string {
    return `${this.settings.prefix}:upload-intent:${objectKey}`;
  }

  /** Records an intent; nothing is written when there is nothing to remember. */
  async remember(objectKey: string, intent: UploadIntent): Promise<void> {
    if (intent.sha256 === undefined && intent.size === undefined && intent.chipId === undefined) return;
    await this.redis.set(this.keyOf(objectKey), JSON.stringify(intent), 'EX', UPLOAD_INTENT_TTL_SEC);
  }

  /** Adds the chip read from an upload's header to what was declared for it. */
  async rememberChip(objectKey: string, chipId: number | undefined): Promise<void> {
    if (chipId === undefined) return;
    const declared = await this.recall(objectKey);
    await this.remember(objectKey, { ...declared, chipId });
  }

  /** The chip ids recorded for these objects (one round trip); objects without one are absent. */
  async recallChips(objectKeys: readonly string[]): Promise<Map<string, number>> {
    const chips = new Map<string, number>();
    if (objectKeys.length === 0) return chips;
    const texts = await this.redis.mget(...objectKeys.map((key) => this.keyOf(key)));
    texts.forEach((text, i) => {
      const chipId = text ? this.parse(text).chipId : undefined;
      if (chipId !== undefined) chips.set(objectKeys[i], chipId);
    });
    return chips;
  }

  /** The intents recorded for these objects (one round trip); objects without one are absent. */
  async recallAll(objectKeys: readonly string[]): Promise<Map<string, UploadIntent>> {
    const intents = new Map<string, UploadIntent>();
    if (objectKeys.length === 0) return intents;
    const texts = await this.redis.mget(...objectKeys.map((key) => this.keyOf(key)));
    texts.forEach((text, i) => {
      if (text) intents.set(objectKeys[i], this.parse(text));
    });
    return intents;
  }

  /** The intent recorded for an object, if any. */
  async recall(objectKey: string): Promise<UploadIntent | undefined> {
    const text = await this.redis.get(this.keyOf(objectKey));
    return text ? this.parse(text) : undefined;
  }

  private parse(text: string): UploadIntent {
    const parsed = JSON.parse(text) as UploadIntent;
    return {
      ...(typeof parsed.sha256 === 'string' ? { sha256: parsed.sha256 } : {}),
      ...(typeof parsed.size === 'number' ? { size: parsed.size } : {}),
      ...(typeof parsed.chipId === 'number' ? { chipId: parsed.chipId } : {}),
    };
  }
}
