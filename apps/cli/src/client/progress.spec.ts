import { Writable } from 'node:stream';
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

describe('failures and stalls in progress', () => {
  it('shows signed and failed apart, and the reason nothing moves instead of an ETA', () => {
    let clock = 0;
    const meter = new PhaseMeter(10, 0, () => clock);
    clock = 1000;
    expect(progressLine('sign', 4, meter, { failed: 3 })).toBe('sign 4/10 (40%): 1 signed, 3 failed, 4.0 items/s, ETA 2s');
    expect(progressLine('sign', 4, meter, { failed: 3, stalled: 'nothing processed for 20s' })).toBe(
      'sign 4/10 (40%): 1 signed, 3 failed, 4.0 items/s, nothing processed for 20s',
    );
    expect(progressLine('sign', 10, meter, { failed: 10 })).toBe('sign 10/10 (100%): 0 signed, 10 failed, 10.0 items/s, in 1s');
  });

  it('draws the counts and the stall in the bar', () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    const stream = Object.assign(sink, { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const phase = createProgressReporter({ mode: 'bar', writeLine: () => undefined, stream }).phase('sign', 5);
    phase.update(2, { failed: 2, stalled: 'nothing processed for 15s' });
    phase.finish();
    const text = chunks.join('');
    expect(text).toContain('2/5: 0 signed, 2 failed');
    expect(text).toContain('nothing processed for 15s');
  });
});
