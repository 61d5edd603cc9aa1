import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSignerConfig, type SignerConfig } from '@fleetsign/config';
import { startLocalRedis, type LocalRedis } from '@fleetsign/devstack';
import { createBenchToken, type BenchToken } from '../stack/bench-token';
import type { Figure } from './figures';
import { progress } from './progress';
import type { BenchContext } from './scenario';

/** The BenchContext of one run: starts Redis and the token on first use, stops them in close(). */
export class RunContext implements BenchContext {
  readonly signerConfig: SignerConfig = loadSignerConfig(process.env);
  private readonly figures = new Map<string, Figure>();
  private redisStart?: Promise<LocalRedis>;
  private tokenStart?: Promise<BenchToken>;

  constructor(
    readonly quick: boolean,
    readonly root: string,
    readonly workDir: string,
    readonly signerProfileDir?: string,
  ) {}

  redis(): Promise<LocalRedis> {
    this.redisStart ??= (async () => {
      progress('starting a private redis-server');
      const redis = await startLocalRedis({ dir: join(this.workDir, 'redis') });
      progress(`redis-server on ${redis.url}`);
      return redis;
    })();
    return this.redisStart;
  }

  token(): Promise<BenchToken> {
    this.tokenStart ??= (async () => {
      progress('creating the SoftHSM2 token (ECDSA P-256 and RSA-3072 keys)');
      return createBenchToken(join(this.workDir, 'softhsm'));
    })();
    return this.tokenStart;
  }

  figure(id: string): Figure | undefined {
    return this.figures.get(id);
  }

  /** Records figures so later scenarios can compare to them. */
  addFigures(figures: readonly Figure[]): void {
    for (const figure of figures) this.figures.set(figure.id, figure);
  }

  async dir(name: string): Promise<string> {
    const path = join(this.workDir, name);
    await mkdir(path, { recursive: true });
    return path;
  }

  /** Stops the services this run started. */
  async close(): Promise<void> {
    const redis = await this.redisStart?.catch(() => undefined);
    await redis?.stop();
  }
}
