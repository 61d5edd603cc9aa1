import type { JobView } from '@fleetsign/api';
import { jobLines } from './job-lines';

// The usage of limited keys in a job's lines (`fleetsign status`, `submit --wait`).

const job: JobView = {
  id: 'job_1',
  state: 'succeeded',
  profile: 'release',
  createdAt: '2026-12-05T00:00:00.000Z',
  attempts: 1,
  result: {
    imageSha256: 'a'.repeat(64),
    signedSha256: 'b'.repeat(64),
    signedKey: 'signed/acme/job_1.bin',
    signedSize: 12288,
    scheme: 'sbv2-ecdsa-p256',
    blocks: [{ index: 0, algorithm: 'ecdsa-p256', keyDigest: 'c'.repeat(64) }],
    policy: {
      usage: [
        { keyIndex: 0, keyDigestSha256: 'c'.repeat(64), count: 3, maxSignatures: 3, remaining: 0, window: { length: '1h', max: 10, used: 3, remaining: 7 } },
        { keyIndex: 1, keyDigestSha256: 'd'.repeat(64), count: 12 },
      ],
    },
  },
} as JobView;

describe('jobLines', () => {
  it('shows the count and what is left of each limited key', () => {
    const lines = jobLines(job);
    expect(lines).toContain('Key 0 usage: signature 3 of 3 (0 left); 3 of 10 in the last 1h (7 left)');
    expect(lines).toContain('Key 1 usage: signature 12');
  });
});
