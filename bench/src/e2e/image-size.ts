/** '64k', '1m', '16m': short size tag for names and ids. */
export function sizeTag(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)}m` : `${bytes / 1024}k`;
}

/** '64 KiB', '1 MiB'. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Bound of a wait for webhooks: generous, so only a stuck pipeline hits it. */
export function webhookTimeoutMs(count: number, imageBytes: number): number {
  return 60_000 + count * (imageBytes > 1024 * 1024 ? 1_000 : 100);
}
