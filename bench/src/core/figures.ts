/** What a figure is compared to: a limit of this machine, in the figure's own unit. */
export interface FigureLimit {
  /** What the limit is, e.g. 'raw PKCS#11 RSA-3072 sign rate'. */
  label: string;
  value: number;
}

/** A goal for a figure: at least a share of its limit, or below a bound. */
export type TargetRule = { kind: 'ratio-at-least'; min: number } | { kind: 'below'; max: number };

/** A target and whether this run met it. */
export interface FigureTarget {
  rule: TargetRule;
  /** Human form, e.g. '>= 70% of limit' or '< 1 s'. */
  text: string;
  met: boolean;
}

/** One measured number of the benchmark. */
export interface Figure {
  /** Stable id, e.g. 'e2e.rsa3072.fs.64k.images_per_s'. */
  id: string;
  label: string;
  unit: string;
  value: number;
  limit?: FigureLimit;
  /** value / limit.value, when there is a limit. */
  ratio?: number;
  target?: FigureTarget;
  /** Counts, durations and settings behind the value. */
  details?: Record<string, unknown>;
  /** One line on where the time went (CPU per process, pipeline steps), printed under the table. */
  breakdown?: string;
}

/** A figure this run could not produce, and why. */
export interface MissingFigure {
  id: string;
  label: string;
  reason: string;
}

/** Input of makeFigure. */
export interface FigureInput {
  id: string;
  label: string;
  unit: string;
  value: number;
  limit?: FigureLimit;
  target?: TargetRule;
  details?: Record<string, unknown>;
  breakdown?: string;
}

function targetText(rule: TargetRule, unit: string): string {
  return rule.kind === 'ratio-at-least'
    ? `>= ${Math.round(rule.min * 100)}% of limit`
    : `< ${rule.max} ${unit}`;
}

function targetMet(rule: TargetRule, value: number, ratio: number | undefined): boolean {
  if (rule.kind === 'below') return value < rule.max;
  return ratio !== undefined && ratio >= rule.min;
}

/** Builds a figure, computing its ratio to the limit and whether its target is met. */
export function makeFigure(input: FigureInput): Figure {
  const ratio = input.limit && input.limit.value > 0 ? input.value / input.limit.value : undefined;
  const figure: Figure = { id: input.id, label: input.label, unit: input.unit, value: input.value };
  if (input.limit) figure.limit = input.limit;
  if (ratio !== undefined) figure.ratio = ratio;
  if (input.target) {
    if (input.target.kind === 'ratio-at-least' && !input.limit)
      throw new Error(`figure ${input.id}: a ratio target needs a limit`);
    figure.target = {
      rule: input.target,
      text: targetText(input.target, input.unit),
      met: targetMet(input.target, input.value, ratio),
    };
  }
  if (input.details) figure.details = input.details;
  if (input.breakdown) figure.breakdown = input.breakdown;
  return figure;
}
