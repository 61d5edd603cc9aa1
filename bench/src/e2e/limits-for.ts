import type { FigureLimit } from '../core/figures';
import type { BenchContext } from '../core/scenario';
import { BULLMQ_NOOP_RATE_ID, BULLMQ_NOOP_RATE_LABEL } from '../limits/bullmq-noop-rate';
import { hsmSignRateId, hsmSignRateLabel } from '../limits/hsm-sign-rate';
import { SHA256_RATE_ID } from '../limits/sha256-rate';
import type { BenchAlgorithm } from '../stack/fleet-config';

/** Limit scenarios an end-to-end scenario compares to. */
export const E2E_LIMIT_SCENARIOS = ['limit-hsm', 'limit-sha256', 'limit-bullmq'] as const;

function hsmLimit(ctx: BenchContext, algorithm: BenchAlgorithm): FigureLimit | undefined {
  const figure = ctx.figure(hsmSignRateId(algorithm));
  return (
    figure && { label: hsmSignRateLabel(algorithm, ctx.signerConfig.pkcs11Sessions), value: figure.value }
  );
}

function queueLimit(ctx: BenchContext): FigureLimit | undefined {
  const figure = ctx.figure(BULLMQ_NOOP_RATE_ID);
  return figure && { label: BULLMQ_NOOP_RATE_LABEL, value: figure.value };
}

function hashLimit(ctx: BenchContext, imageBytes: number): FigureLimit | undefined {
  const figure = ctx.figure(SHA256_RATE_ID);
  const mib = imageBytes / (1024 * 1024);
  return (
    figure && {
      label: `SHA-256 throughput / image size (${mib >= 1 ? `${mib} MiB` : `${imageBytes / 1024} KiB`})`,
      value: (figure.value * 1e6) / imageBytes,
    }
  );
}

/**
 * The limit an end-to-end images/s figure is compared to. Small images: RSA-3072 is
 * bounded by the HSM's sign rate, ECDSA P-256 by the queue's no-op job rate (the
 * targets are stated against these). Larger images: the lowest of HSM, queue and
 * hashing rates, whichever binds on this machine.
 */
export function e2eLimit(
  ctx: BenchContext,
  algorithm: BenchAlgorithm,
  imageBytes: number,
): FigureLimit | undefined {
  if (imageBytes <= 64 * 1024) return algorithm === 'rsa3072' ? hsmLimit(ctx, algorithm) : queueLimit(ctx);
  const candidates = [hsmLimit(ctx, algorithm), queueLimit(ctx), hashLimit(ctx, imageBytes)].filter(
    (l): l is FigureLimit => l !== undefined,
  );
  return candidates.sort((a, b) => a.value - b.value)[0];
}
