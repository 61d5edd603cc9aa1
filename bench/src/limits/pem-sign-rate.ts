import { randomBytes } from 'node:crypto';
import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import type { KeyAlgorithm } from '@fleetsign/secure-boot';
import { makeFigure, type Figure } from '../core/figures';
import { measureRate } from '../core/measure';
import { progress } from '../core/progress';
import type { Scenario } from '../core/scenario';

/** Id of the software-key sign-rate figure of an algorithm. */
export function pemSignRateId(algorithm: KeyAlgorithm): string {
  return `limit.pem.${algorithm}.signs_per_s`;
}

/** Label of that figure, also the limit's name in other figures. */
export function pemSignRateLabel(algorithm: KeyAlgorithm): string {
  return `PEM key sign rate, ${algorithm} (one thread)`;
}

/** The software-key limit: createPemSigner signatures per second on one thread (what the CLI with --keyfile uses). */
export const pemSignRateScenario: Scenario = {
  name: 'limit-pem',
  title: 'PEM key sign rate (ECDSA P-256, RSA-3072)',
  async run(ctx) {
    const window = ctx.quick ? { warmupMs: 300, durationMs: 1_500 } : { warmupMs: 500, durationMs: 3_000 };
    const figures: Figure[] = [];
    for (const algorithm of ['ecdsa-p256', 'rsa3072'] as const) {
      const signer = createPemSigner(generateSigningKeyPem(algorithm));
      try {
        const digest = randomBytes(32);
        const sample = await measureRate(() => signer.sign(digest), { concurrency: 1, ...window });
        progress(`  ${algorithm}: ${sample.rate.toFixed(0)} signs/s`);
        figures.push(
          makeFigure({
            id: pemSignRateId(algorithm),
            label: pemSignRateLabel(algorithm),
            unit: 'signs/s',
            value: sample.rate,
            details: { ops: sample.ops, seconds: sample.seconds },
          }),
        );
      } finally {
        await signer.close();
      }
    }
    return { figures };
  },
};
