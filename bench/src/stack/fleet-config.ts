import { randomBytes } from 'node:crypto';
import { hashApiToken } from '@fleetsign/config';
import { join } from 'node:path';
import { localConfigYaml, writeFileAtomic } from '@fleetsign/devstack';
import { generateSigningKeyPem } from '@fleetsign/keys';
import type { KeyAlgorithm } from '@fleetsign/secure-boot';
import { BENCH_TOKEN_KEYS, type BenchToken } from './bench-token';

/** The tenant every benchmark job belongs to. */
export const BENCH_TENANT = 'bench';

/** Signing profile of each measured algorithm (one token key each). */
export const BENCH_PROFILES = {
  'ecdsa-p256': { name: 'bench-ecdsa-p256', scheme: 'sbv2-ecdsa-p256', key: BENCH_TOKEN_KEYS.p256 },
  rsa3072: { name: 'bench-rsa3072', scheme: 'sbv2-rsa3072', key: BENCH_TOKEN_KEYS.rsa3072 },
} as const satisfies Partial<Record<KeyAlgorithm, unknown>>;

/** Algorithms the benchmark has a profile for. */
export type BenchAlgorithm = keyof typeof BENCH_PROFILES;

/** The configuration file of a benchmark stack and the secrets only the benchmark knows. */
export interface BenchFleetConfig {
  configPath: string;
  /** Bearer token of the benchmark's API key (scopes sign, batch, read; every profile). */
  apiToken: string;
  /** Tenant `bench`'s webhook signing secret (whsec_...), for verifying deliveries. */
  webhookSecret: string;
}

/**
 * Writes FLEETSIGN_CONFIG for a benchmark stack into `dir`: one PKCS#11 profile per
 * algorithm on the run's token (PIN in a 0600 file), tenant `bench` with a webhook
 * secret file, an API key whose token is returned (only its SHA-256 is in the file)
 * with the webhook secret, and a transparency log with a PEM checkpoint key.
 */
export async function writeFleetConfig(dir: string, token: BenchToken, options: { checkpoints?: boolean } = {}): Promise<BenchFleetConfig> {
  const pinFile = join(dir, 'hsm-pin');
  const webhookSecretFile = join(dir, 'webhook-secret');
  const configPath = join(dir, 'fleetsign.yaml');
  const apiToken = randomBytes(24).toString('base64url');
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  await writeFileAtomic(pinFile, `${token.pin}\n`, { mode: 0o600 });
  await writeFileAtomic(webhookSecretFile, `${webhookSecret}\n`, { mode: 0o600 });
  // The transparency log's checkpoint key: a software P-256 key, so the measured runs sign checkpoints as production does.
  const logKeyFile = join(dir, 'log-key.pem');
  await writeFileAtomic(logKeyFile, generateSigningKeyPem('ecdsa-p256'), { mode: 0o600 });
  const yaml = localConfigYaml({
    token: { modulePath: token.modulePath, tokenLabel: token.tokenLabel, pinFile },
    profiles: Object.values(BENCH_PROFILES).map((profile) => ({
      name: profile.name,
      scheme: profile.scheme,
      keyLabel: profile.key.label,
    })),
    tenant: BENCH_TENANT,
    webhookSecretFile,
    apiKey: { id: 'bench', tokenSha256: hashApiToken(apiToken), scopes: ['sign', 'batch', 'read'] },
    // Without the section the log still records every signing, but signs no checkpoints (so no proofs): the comparison run.
    ...(options.checkpoints === false ? {} : { transparencyLog: { origin: 'fleetsign.bench/log', key: { pemFile: logKeyFile } } }),
  });
  await writeFileAtomic(configPath, yaml, { mode: 0o600 });
  return { configPath, apiToken, webhookSecret };
}
