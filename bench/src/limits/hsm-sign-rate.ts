import { randomBytes } from 'node:crypto';
import { openPkcs11Signer } from '@fleetsign/keys';
import type { KeyAlgorithm } from '@fleetsign/secure-boot';
import { makeFigure, type Figure } from '../core/figures';
import { measureRate, type RateWindow } from '../core/measure';
import { progress } from '../core/progress';
import type { BenchContext, Scenario } from '../core/scenario';
import { BENCH_TOKEN_KEYS, type BenchToken } from '../stack/bench-token';

/** Id of the raw PKCS#11 sign-rate figure of an algorithm. */
export function hsmSignRateId(algorithm: KeyAlgorithm): string {
  return `limit.hsm.${algorithm}.signs_per_s`;
}

/** Label of that figure, also used as the limit's name in other figures. */
export function hsmSignRateLabel(algorithm: KeyAlgorithm, sessions: number): string {
  return `raw PKCS#11 sign rate, ${algorithm} (${sessions} sessions)`;
}

async function measureKey(
  token: BenchToken,
  algorithm: KeyAlgorithm,
  sessions: number,
  window: Omit<RateWindow, 'concurrency'>,
): Promise<Figure> {
  const key = BENCH_TOKEN_KEYS[algorithm === 'rsa3072' ? 'rsa3072' : 'p256'];
  const signer = await openPkcs11Signer({
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    keyLabel: key.label,
    pin: token.pin,
    sessions,
  });
  try {
    const digest = randomBytes(32);
    const sample = await measureRate(() => signer.sign(digest), { concurrency: sessions, ...window });
    progress(`  ${algorithm}: ${sample.rate.toFixed(0)} signs/s (${sample.ops} in ${sample.seconds} s)`);
    return makeFigure({
      id: hsmSignRateId(algorithm),
      label: hsmSignRateLabel(algorithm, sessions),
      unit: 'signs/s',
      value: sample.rate,
      details: {
        sessions,
        concurrency: sessions,
        ops: sample.ops,
        seconds: sample.seconds,
        warmupMs: window.warmupMs,
      },
    });
  } finally {
    await signer.close();
  }
}

/**
 * The HSM's limit: signatures per second through openPkcs11Signer on the SoftHSM2 token,
 * with as many sessions as the signer opens (FLEETSIGN_PKCS11_SESSIONS, default 4) and
 * that many signatures in flight.
 */
export const hsmSignRateScenario: Scenario = {
  name: 'limit-hsm',
  title: 'raw PKCS#11 sign rate (ECDSA P-256, RSA-3072)',
  async run(ctx: BenchContext) {
    const token = await ctx.token();
    const sessions = ctx.signerConfig.pkcs11Sessions;
    const window = ctx.quick ? { warmupMs: 500, durationMs: 2_000 } : { warmupMs: 1_000, durationMs: 5_000 };
    const figures: Figure[] = [];
    for (const algorithm of ['ecdsa-p256', 'rsa3072'] as const)
      figures.push(await measureKey(token, algorithm, sessions, window));
    return { figures };
  },
};
