import { makeFigure } from './figures';
import { renderTable } from './report-table';

describe('makeFigure', () => {
  it('computes the ratio to the limit and whether a share target is met', () => {
    const limit = { label: 'raw HSM', value: 400 };
    const met = makeFigure({
      id: 'a',
      label: 'A',
      unit: 'images/s',
      value: 300,
      limit,
      target: { kind: 'ratio-at-least', min: 0.7 },
    });
    const missed = makeFigure({
      id: 'b',
      label: 'B',
      unit: 'images/s',
      value: 200,
      limit,
      target: { kind: 'ratio-at-least', min: 0.7 },
    });
    expect(met.ratio).toBeCloseTo(0.75);
    expect(met.target).toMatchObject({ met: true, text: '>= 70% of limit' });
    expect(missed.target?.met).toBe(false);
  });

  it('checks a bound target against the value', () => {
    expect(
      makeFigure({ id: 'p99', label: 'p99', unit: 's', value: 0.4, target: { kind: 'below', max: 1 } }).target
        ?.met,
    ).toBe(true);
    expect(
      makeFigure({ id: 'p99', label: 'p99', unit: 's', value: 1, target: { kind: 'below', max: 1 } }).target
        ?.met,
    ).toBe(false);
  });

  it('refuses a share target without a limit', () => {
    expect(() =>
      makeFigure({ id: 'x', label: 'X', unit: 'u', value: 1, target: { kind: 'ratio-at-least', min: 0.1 } }),
    ).toThrow(/needs a limit/);
  });
});

describe('renderTable', () => {
  it('lists figures with limit references, where the time goes and what was not measured', () => {
    const figure = makeFigure({
      id: 'e2e',
      label: 'batch rsa3072',
      unit: 'images/s',
      value: 250,
      limit: { label: 'raw PKCS#11 sign rate', value: 400 },
      target: { kind: 'ratio-at-least', min: 0.7 },
      breakdown: 'CPU ms/image: signer 4',
    });
    const text = renderTable([figure], [{ id: 'm', label: 'memory', reason: 'failed: boom' }]);
    expect(text).toMatch(/batch rsa3072 \| 250 +\| images\/s \| 400 \(L1\) \| 63% +\| >= 70% of limit \| NO/);
    expect(text).toContain('L1 = raw PKCS#11 sign rate');
    expect(text).toContain('where the time goes:\n  batch rsa3072:\n    CPU ms/image: signer 4');
    expect(text).toContain('memory: failed: boom');
  });
});
