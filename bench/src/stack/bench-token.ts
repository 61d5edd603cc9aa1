import { randomBytes } from 'node:crypto';
import { ensureSoftHsmToken, type SoftHsmKeySpec } from '@fleetsign/devstack';

/** The benchmark's token keys, by role. */
export const BENCH_TOKEN_KEYS = {
  p256: { label: 'bench-ec-p256', id: '01', type: 'EC:prime256v1' },
  rsa3072: { label: 'bench-rsa-3072', id: '02', type: 'rsa:3072' },
} as const satisfies Record<string, SoftHsmKeySpec>;

/** Label of the benchmark's SoftHSM2 token. */
export const BENCH_TOKEN_LABEL = 'fleetsign-bench';

/** The run's token: where it is and how to log in (the PIN is random per run and never printed). */
export interface BenchToken {
  confPath: string;
  modulePath: string;
  slotId: number;
  tokenLabel: string;
  pin: string;
}

/**
 * Creates a SoftHSM2 token with an ECDSA P-256 and an RSA-3072 key pair in `dir`, and
 * points this process's SOFTHSM2_CONF at it (read when the PKCS#11 module is first loaded).
 */
export async function createBenchToken(dir: string): Promise<BenchToken> {
  const pin = randomBytes(12).toString('hex');
  const info = await ensureSoftHsmToken({
    dir,
    tokenLabel: BENCH_TOKEN_LABEL,
    pin,
    keys: Object.values(BENCH_TOKEN_KEYS),
  });
  process.env.SOFTHSM2_CONF = info.confPath;
  return {
    confPath: info.confPath,
    modulePath: info.modulePath,
    slotId: info.slotId,
    tokenLabel: info.tokenLabel,
    pin,
  };
}
