import { makeFigure } from '../core/figures';
import { progress } from '../core/progress';
import type { Scenario } from '../core/scenario';
import type { BenchAlgorithm } from '../stack/fleet-config';
import { batchBreakdown, batchDetails, measureBatch } from './batch-measure';
import { sizeTag, sizeText } from './image-size';

/** One same-run comparison of the log path's cost. */
export interface LogCostSpec {
  algorithm: BenchAlgorithm;
  imageBytes: number;
  count: number;
  quickCount: number;
  /** Pairs of runs (alternating, so load that drifts during the run hits both sides alike). */
  rounds: number;
}

/**
 * What the transparency log's checkpoints and proofs cost a batch: the same batch on
 * the fs store (AOF everysec, as every benchmark Redis) run alternately with checkpoints
 * off (no `transparency_log` section: entries are still logged, nothing is signed or
 * proven) and on (checkpoints every `checkpoint_every` entries, one at batch end and an
 * inclusion proof per manifest item), each on a fresh stack. The figure is the ratio of
 * the on-runs' images/s to the off-runs'; the target is within 10 %. A machine shared with
 * other work moves absolute figures a lot, so only the same-run ratio is compared.
 */
export function logCostScenario(spec: LogCostSpec): Scenario {
  const name = `e2e-logcost-${spec.algorithm}-fs-${sizeTag(spec.imageBytes)}`;
  return {
    name,
    title: `transparency log cost: one batch of ${spec.count.toLocaleString('en-US')} (quick ${spec.quickCount}) x ${sizeText(spec.imageBytes)}, ${spec.algorithm}, fs store, checkpoints on vs off, ${spec.rounds} rounds`,
    async run(ctx) {
      const count = ctx.quick ? spec.quickCount : spec.count;
      const rates = { on: [] as number[], off: [] as number[] };
      let lastOn: Awaited<ReturnType<typeof measureBatch>> | undefined;
      for (let round = 0; round < spec.rounds; round++) {
        for (const checkpoints of round % 2 === 0 ? [false, true] : [true, false]) {
          progress(`  round ${round + 1}/${spec.rounds}: checkpoints ${checkpoints ? 'on' : 'off'}`);
          const measured = await measureBatch(ctx, {
            name: `${name}-${checkpoints ? 'on' : 'off'}-${round}`,
            algorithm: spec.algorithm,
            store: 'fs',
            imageBytes: spec.imageBytes,
            count,
            checkpoints,
          });
          (checkpoints ? rates.on : rates.off).push(measured.run.imagesPerSecond);
          if (checkpoints) lastOn = measured;
        }
      }
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const on = mean(rates.on);
      const off = mean(rates.off);
      return {
        figures: [
          makeFigure({
            id: `e2e.logcost.${spec.algorithm}.fs.${sizeTag(spec.imageBytes)}.images_per_s`,
            label: `batch with checkpoints and proofs vs without, ${spec.algorithm}, fs, ${count.toLocaleString('en-US')} x ${sizeText(spec.imageBytes)}`,
            unit: 'images/s',
            value: on,
            limit: { label: 'same batch, checkpoints off (same run)', value: off },
            target: { kind: 'ratio-at-least', min: 0.9 },
            details: { imagesPerSecondOn: rates.on, imagesPerSecondOff: rates.off, ...(lastOn ? { lastOnRun: batchDetails(lastOn) } : {}) },
            ...(lastOn ? { breakdown: batchBreakdown(lastOn) } : {}),
          }),
        ],
      };
    },
  };
}
