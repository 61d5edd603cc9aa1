import { makeFigure, type Figure } from '../core/figures';
import { progress } from '../core/progress';
import type { Scenario } from '../core/scenario';
import type { BenchAlgorithm } from '../stack/fleet-config';
import { batchBreakdown, batchDetails, measureBatch } from './batch-measure';
import { sizeText } from './image-size';
import { E2E_LIMIT_SCENARIOS, e2eLimit } from './limits-for';

const IMAGE_BYTES = 64 * 1024;

/** One point of the scaling grid. */
interface ScalePoint {
  algorithm: BenchAlgorithm;
  signers: number;
  sessions: number;
}

/**
 * The grid: RSA-3072 (bound by the HSM) on 1 and 2 signer processes with 2 and 4
 * PKCS#11 sessions each; ECDSA P-256 (bound by per-job work) on 1 and 2 processes.
 */
const GRID: readonly ScalePoint[] = [
  { algorithm: 'rsa3072', signers: 1, sessions: 2 },
  { algorithm: 'rsa3072', signers: 1, sessions: 4 },
  { algorithm: 'rsa3072', signers: 2, sessions: 2 },
  { algorithm: 'rsa3072', signers: 2, sessions: 4 },
  { algorithm: 'ecdsa-p256', signers: 1, sessions: 4 },
  { algorithm: 'ecdsa-p256', signers: 2, sessions: 4 },
];

function pointText(point: ScalePoint): string {
  return `${point.signers} signer${point.signers > 1 ? 's' : ''} x ${point.sessions} sessions`;
}

/**
 * How throughput scales with signer processes and PKCS#11 sessions on this machine:
 * the same 64 KiB batch (fs store) on each point of the grid, images/s from POST to
 * batch webhook, each checked for one audit record and one signature per item. Every
 * point is measured here, one after another, so they compare under the same conditions.
 */
export const signerScaleScenario: Scenario = {
  name: 'e2e-signer-scale',
  title: 'scaling: the 2,000 x 64 KiB batch on 1 vs 2 signer processes, 2 vs 4 PKCS#11 sessions',
  needs: E2E_LIMIT_SCENARIOS,
  async run(ctx) {
    const count = ctx.quick ? 300 : 2_000;
    const figures: Figure[] = [];
    const rates = new Map<string, number>();
    for (const point of GRID) {
      const key = `${point.algorithm}/${point.signers}/${point.sessions}`;
      progress(`  ${point.algorithm}, ${pointText(point)}`);
      const batch = await measureBatch(ctx, {
        name: `e2e-scale-${point.algorithm}-${point.signers}x${point.sessions}`,
        algorithm: point.algorithm,
        store: 'fs',
        imageBytes: IMAGE_BYTES,
        count,
        signers: point.signers,
        sessions: point.sessions,
      });
      const rate = batch.run.imagesPerSecond;
      rates.set(key, rate);
      const oneSigner = rates.get(`${point.algorithm}/1/${point.sessions}`);
      figures.push(
        makeFigure({
          id: `e2e.scale.${point.algorithm}.signers${point.signers}.sessions${point.sessions}.images_per_s`,
          label: `scaling, ${point.algorithm}, ${pointText(point)}, ${count.toLocaleString('en-US')} x ${sizeText(IMAGE_BYTES)}`,
          unit: 'images/s',
          value: rate,
          limit: e2eLimit(ctx, point.algorithm, IMAGE_BYTES),
          details: {
            ...batchDetails(batch),
            ...(point.signers > 1 && oneSigner ? { speedupVsOneSigner: rate / oneSigner } : {}),
          },
          breakdown: batchBreakdown(batch),
        }),
      );
    }
    const ratio = (label: string, id: string, faster: string, slower: string) => {
      const [a, b] = [rates.get(faster), rates.get(slower)];
      if (a !== undefined && b !== undefined)
        figures.push(makeFigure({ id, label, unit: 'x', value: a / b, details: { faster, slower } }));
    };
    ratio(
      'scaling, rsa3072, 2 signers vs 1 (4 sessions each)',
      'e2e.scale.rsa3072.signers_speedup',
      'rsa3072/2/4',
      'rsa3072/1/4',
    );
    ratio(
      'scaling, rsa3072, 4 sessions vs 2 (1 signer)',
      'e2e.scale.rsa3072.sessions_speedup',
      'rsa3072/1/4',
      'rsa3072/1/2',
    );
    ratio(
      'scaling, ecdsa-p256, 2 signers vs 1',
      'e2e.scale.ecdsa-p256.signers_speedup',
      'ecdsa-p256/2/4',
      'ecdsa-p256/1/4',
    );
    return { figures };
  },
};
