import { Presets, SingleBar } from 'cli-progress';

/** How progress is shown: a redrawn bar (terminals), periodic lines (logs, CI), or not at all. */
export type ProgressMode = 'bar' | 'lines' | 'none';

/** What the done count is made of, and whether anything is moving. */
export interface PhaseDetail {
  /** Items done that failed; the rest of `done` succeeded. Shown as `N signed, M failed`. */
  failed?: number;
  /** Why nothing moves (e.g. no signer is taking jobs); shown instead of the ETA. */
  stalled?: string;
}

/** Progress of one phase (upload, sign, download). */
export interface PhaseProgress {
  /** Sets the number of items done so far (and, for phases that can fail, how many failed). */
  update(done: number, detail?: PhaseDetail): void;
  /** Ends the phase (draws its final state). */
  finish(): void;
}

/** Starts phases; one at a time. */
export interface ProgressReporter {
  phase(name: string, total: number, alreadyDone?: number): PhaseProgress;
}

/** Where progress goes and how often plain lines are written. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** Writes plain lines (stderr of the command). */
  writeLine: (line: string) => void;
  /** Terminal stream for the bar (default process.stderr). */
  stream?: NodeJS.WritableStream;
  /** Least time between two plain lines of one phase (default 2 s). */
  lineIntervalMs?: number;
  now?: () => number;
}

/** Rate and time left, measured from the start of a phase (the clock stops once every item is done). */
export class PhaseMeter {
  private readonly startedAt: number;
  private finishedAt: number | undefined;

  constructor(
    readonly total: number,
    private readonly startDone: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  /** Seconds since the phase started, up to the moment its last item was seen done. */
  elapsedSec(done?: number): number {
    if (done !== undefined && done >= this.total) this.finishedAt ??= this.now();
    return ((this.finishedAt ?? this.now()) - this.startedAt) / 1000;
  }

  /** Items per second done in this phase (items done before it are not counted). */
  rate(done: number): number {
    const elapsed = this.elapsedSec(done);
    return elapsed > 0 ? Math.max(0, done - this.startDone) / elapsed : 0;
  }

  /** Seconds left at the current rate; undefined until there is a rate. */
  etaSec(done: number): number | undefined {
    const rate = this.rate(done);
    return rate > 0 ? Math.max(0, this.total - done) / rate : undefined;
  }
}

/** `4s`, `1m05s`, `2h03m`; `--` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `: 7 signed, 3 failed` when the phase reports failures, else nothing. */
function outcomeText(done: number, detail: PhaseDetail | undefined): string {
  if (detail?.failed === undefined) return '';
  return `: ${done - detail.failed} signed, ${detail.failed} failed`;
}

/** `ETA 2s`, `in 8s` once done, or the reason nothing moves. */
function tailText(done: number, meter: PhaseMeter, detail: PhaseDetail | undefined): string {
  if (done >= meter.total) return `in ${formatDuration(meter.elapsedSec(done))}`;
  return detail?.stalled ?? `ETA ${formatDuration(meter.etaSec(done))}`;
}

/** One plain progress line: `upload 12/20 (60%), 4.1 items/s, ETA 2s`; `sign 10/10 (100%): 7 signed, 3 failed, …`. */
export function progressLine(name: string, done: number, meter: PhaseMeter, detail?: PhaseDetail): string {
  const percent = meter.total > 0 ? Math.floor((done / meter.total) * 100) : 100;
  const rate = meter.rate(done).toFixed(1);
  return `${name} ${done}/${meter.total} (${percent}%)${outcomeText(done, detail)}, ${rate} items/s, ${tailText(done, meter, detail)}`;
}

/** Creates the reporter for a mode. */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  if (options.mode === 'none') return { phase: () => ({ update: () => undefined, finish: () => undefined }) };
  if (options.mode === 'bar') return { phase: (name, total, alreadyDone = 0) => barPhase(options, now, name, total, alreadyDone) };
  return { phase: (name, total, alreadyDone = 0) => linePhase(options, now, name, total, alreadyDone) };
}

function linePhase(options: ProgressOptions, now: () => number, name: string, total: number, alreadyDone: number): PhaseProgress {
  const meter = new PhaseMeter(total, alreadyDone, now);
  const interval = options.lineIntervalMs ?? 2000;
  let lastLineAt = now();
  let done = alreadyDone;
  let detail: PhaseDetail | undefined;
  let finished = false;
  return {
    update(value, newDetail) {
      done = value;
      detail = newDetail;
      if (now() - lastLineAt < interval || done >= total) return;
      lastLineAt = now();
      options.writeLine(progressLine(name, done, meter, detail));
    },
    finish() {
      if (finished) return;
      finished = true;
      options.writeLine(progressLine(name, done, meter, detail));
    },
  };
}

function barPhase(options: ProgressOptions, now: () => number, name: string, total: number, alreadyDone: number): PhaseProgress {
  const meter = new PhaseMeter(total, alreadyDone, now);
  const bar = new SingleBar(
    {
      stream: options.stream ?? process.stderr,
      format: `${name.padEnd(8)} [{bar}] {value}/{total}{outcome} | {rate} items/s | {tail}`,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  const payload = (done: number, detail?: PhaseDetail) => ({
    rate: meter.rate(done).toFixed(1),
    outcome: outcomeText(done, detail),
    tail: tailText(done, meter, detail),
  });
  bar.start(total, alreadyDone, payload(alreadyDone));
  let finished = false;
  return {
    update(done, detail) {
      bar.update(done, payload(done, detail));
    },
    finish() {
      if (finished) return;
      finished = true;
      bar.stop();
    },
  };
}
