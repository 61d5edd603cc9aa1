import { PhaseMeter, createProgressReporter, formatDuration, progressLine } from './progress';

describe('formatDuration', () => {
  it.each([
    [undefined, '--'],
    [Infinity, '--'],
    [0.4, '0s'],
    [4, '4s'],
    [65, '1m05s'],
    [3600 * 2 + 180, '2h03m'],
  ])('%s s -> %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('PhaseMeter and progressLine', () => {
  it('measures items per second from the start of the phase and the time left', () => {
    let clock = 1000;
    const meter = new PhaseMeter(20, 5, () => clock);
    expect(meter.etaSec(5)).toBeUndefined();
    clock += 2000;
    expect(meter.rate(9)).toBe(2);
    expect(meter.etaSec(9)).toBe(5.5);
    expect(progressLine('upload', 9, meter)).toBe('upload 9/20 (45%), 2.0 items/s, ETA 6s');
    clock += 5500;
    expect(progressLine('upload', 20, meter)).toBe('upload 20/20 (100%), 2.0 items/s, in 8s');
    // Waiting after the last item does not dilute the rate.
    clock += 60_000;
    expect(progressLine('upload', 20, meter)).toBe('upload 20/20 (100%), 2.0 items/s, in 8s');
  });
});

describe('line progress', () => {
  it('writes at most one line per interval, and the final state once', () => {
    let clock = 0;
    const lines: string[] = [];
    const reporter = createProgressReporter({ mode: 'lines', writeLine: (line) => lines.push(line), lineIntervalMs: 1000, now: () => clock });
    const phase = reporter.phase('sign', 10);
    phase.update(1);
    clock = 500;
    phase.update(2);
    clock = 1000;
    phase.update(4);
    clock = 1500;
    phase.update(5);
    clock = 2000;
    phase.update(10);
    phase.finish();
    phase.finish();
    expect(lines).toEqual(['sign 4/10 (40%), 4.0 items/s, ETA 2s', 'sign 10/10 (100%), 5.0 items/s, in 2s']);
  });

  it('writes nothing in mode none', () => {
    const lines: string[] = [];
    const phase = createProgressReporter({ mode: 'none', writeLine: (line) => lines.push(line) }).phase('x', 3);
    phase.update(3);
    phase.finish();
    expect(lines).toEqual([]);
  });
});
