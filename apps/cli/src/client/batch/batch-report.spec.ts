import { type BatchReport, type FailedItem, formatBatchReport, groupFailures } from './batch-report';

const failure = (index: number, code: string, message: string): FailedItem => ({ index, name: `img-${index}.bin`, jobId: `job_${index}`, code, message });

const report = (failures: FailedItem[], succeeded: number): BatchReport => ({
  batchId: 'batch_1',
  profile: 'rel',
  total: failures.length + succeeded,
  succeeded,
  failed: failures.length,
  reused: 0,
  uploaded: failures.length + succeeded,
  downloaded: succeeded,
  alreadyPresent: 0,
  resumed: false,
  elapsedSec: 2,
  imagesPerSec: (failures.length + succeeded) / 2,
  signedPerSec: succeeded / 2,
  outDir: '/out',
  manifestPath: '/out/manifest.json',
  failures,
});

describe('batch report', () => {
  const mismatch = 'ESP32-C2 cannot boot sbv2-rsa3072 images';

  it('groups identical failures, largest group first, keeping first-seen order among equals', () => {
    const failures = [failure(0, 'INVALID_IMAGE', 'bad magic'), ...[1, 2, 3].map((i) => failure(i, 'CHIP_SCHEME_MISMATCH', mismatch)), failure(4, 'INVALID_IMAGE', 'truncated')];
    expect(groupFailures(failures)).toEqual([
      { code: 'CHIP_SCHEME_MISMATCH', message: mismatch, names: ['img-1.bin', 'img-2.bin', 'img-3.bin'] },
      { code: 'INVALID_IMAGE', message: 'bad magic', names: ['img-0.bin'] },
      { code: 'INVALID_IMAGE', message: 'truncated', names: ['img-4.bin'] },
    ]);
  });

  it('prints 200 identical failures as one line with a few names, and the signing rate without failures', () => {
    const failures = Array.from({ length: 200 }, (_, i) => failure(i, 'CHIP_SCHEME_MISMATCH', mismatch));
    const lines = formatBatchReport(report(failures, 0));
    expect(lines[0]).toBe('Batch batch_1 (profile rel): 200 images, 0 signed (0 reused), 200 failed');
    expect(lines).toContain('Elapsed 2.0 s, 0.00 images signed/s');
    expect(lines.slice(-3)).toEqual([
      'Failed (200):',
      `  200 × CHIP_SCHEME_MISMATCH: ${mismatch}`,
      '    img-0.bin, img-1.bin, img-2.bin, img-3.bin, img-4.bin and 195 more',
    ]);
  });

  it('prints a lone failure with its file name on one line', () => {
    const lines = formatBatchReport(report([failure(7, 'INVALID_IMAGE', 'bad magic')], 3));
    expect(lines.slice(-2)).toEqual(['Failed (1):', '  img-7.bin: INVALID_IMAGE: bad magic']);
  });
});
