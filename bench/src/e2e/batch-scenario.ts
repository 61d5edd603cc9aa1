import { makeFigure, type TargetRule } from '../core/figures';
import type { Scenario } from '../core/scenario';
import type { BenchAlgorithm } from '../stack/fleet-config';
import type { StoreKind } from '../stack/fleet-stack';
import { batchBreakdown, batchDetails, measureBatch } from './batch-measure';
import { E2E_LIMIT_SCENARIOS, e2eLimit } from './limits-for';
import { sizeTag, sizeText } from './image-size';

/** One end-to-end batch measurement. */
export interface BatchSpec {
  algorithm: BenchAlgorithm;
  store: StoreKind;
  imageBytes: number;
  count: number;
  quickCount: number;
  target?: TargetRule;
}

/** Scenario name of a batch spec, e.g. 'e2e-batch-rsa3072-fs-64k'. */
export function batchScenarioName(spec: Pick<BatchSpec, 'algorithm' | 'store' | 'imageBytes'>): string {
  return `e2e-batch-${spec.algorithm}-${spec.store}-${sizeTag(spec.imageBytes)}`;
}

/** Figure id of a batch spec's images/s, e.g. 'e2e.batch.rsa3072.fs.64k.images_per_s'. */
export function batchFigureId(spec: Pick<BatchSpec, 'algorithm' | 'store' | 'imageBytes'>): string {
  return `e2e.batch.${spec.algorithm}.${spec.store}.${sizeTag(spec.imageBytes)}.images_per_s`;
}

/**
 * An end-to-end batch scenario: N staged images of one size submitted as one batch,
 * images/s from POST /v1/batches to the batch webhook, compared to this machine's limit.
 */
export function batchScenario(spec: BatchSpec): Scenario {
  const name = batchScenarioName(spec);
  return {
    name,
    title: `end to end: one batch of ${spec.count.toLocaleString('en-US')} (quick ${spec.quickCount}) x ${sizeText(spec.imageBytes)}, ${spec.algorithm}, ${spec.store} store`,
    needs: E2E_LIMIT_SCENARIOS,
    async run(ctx) {
      const count = ctx.quick ? spec.quickCount : spec.count;
      const measured = await measureBatch(ctx, { name, ...spec, count });
      return {
        figures: [
          makeFigure({
            id: batchFigureId(spec),
            label: `batch end to end, ${spec.algorithm}, ${spec.store} store, ${count.toLocaleString('en-US')} x ${sizeText(spec.imageBytes)}`,
            unit: 'images/s',
            value: measured.run.imagesPerSecond,
            limit: e2eLimit(ctx, spec.algorithm, spec.imageBytes),
            target: spec.target,
            details: batchDetails(measured),
            breakdown: batchBreakdown(measured),
          }),
        ],
      };
    },
  };
}
