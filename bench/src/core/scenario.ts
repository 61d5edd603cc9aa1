import type { SignerConfig } from '@fleetsign/config';
import type { LocalRedis } from '@fleetsign/devstack';
import type { BenchToken } from '../stack/bench-token';
import type { Figure, MissingFigure } from './figures';

/** What a scenario can use; shared services start on first use and stop at the end of the run. */
export interface BenchContext {
  quick: boolean;
  /** Root of the FleetSign checkout. */
  root: string;
  /** Private temporary folder of this run. */
  workDir: string;
  /** When set, every signer process writes a V8 CPU profile under this folder. */
  signerProfileDir?: string;
  /**
   * Signer settings from the environment as libs/config reads them (PKCS#11 sessions per
   * token); the signer may derive its job concurrency from them, so runs report the
   * concurrency they observed instead.
   */
  signerConfig: SignerConfig;
  /** The run's private redis-server on 127.0.0.1. */
  redis(): Promise<LocalRedis>;
  /** The run's SoftHSM2 token with the benchmark keys (SOFTHSM2_CONF is set for this process). */
  token(): Promise<BenchToken>;
  /** A figure measured earlier in this run. */
  figure(id: string): Figure | undefined;
  /** A subfolder of the work folder, created on demand. */
  dir(name: string): Promise<string>;
}

/** What a scenario produced. */
export interface ScenarioOutcome {
  figures: Figure[];
  missing?: MissingFigure[];
}

/** One named part of the benchmark. */
export interface Scenario {
  name: string;
  title: string;
  /** Scenarios whose figures this one's figures are compared to; they run first, also with --only. */
  needs?: readonly string[];
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}
