import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@fleetsign/devstack';
import { generateSigningKeyPem } from '@fleetsign/keys';
import { buildEspImage } from '@fleetsign/secure-boot';
import { makeFigure, type Figure, type FigureLimit } from '../core/figures';
import { nowMs } from '../core/measure';
import { progress } from '../core/progress';
import type { BenchContext, Scenario } from '../core/scenario';
import { BENCH_CHIP, allocateSeeds } from '../e2e/stage-images';
import { hsmSignRateId, hsmSignRateLabel } from '../limits/hsm-sign-rate';
import { pemSignRateId, pemSignRateLabel } from '../limits/pem-sign-rate';
import { BENCH_PROFILES, type BenchAlgorithm } from '../stack/fleet-config';
import type { BenchToken } from '../stack/bench-token';

const IMAGE_BYTES = 64 * 1024;
/** The CLI reads the HSM PIN from here when the INI file has no `credentials`. */
const HSM_PIN_ENV = 'FLEETSIGN_HSM_PIN';

type KeySource = 'pem' | 'hsm';

function runCli(cli: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err)
        reject(
          new Error(
            `fleetsign ${args[0]} failed: ${stderr.trim().split('\n').slice(-2).join(' | ') || err.message}`,
          ),
        );
      else resolve();
    });
  });
}

function hsmIni(token: BenchToken, algorithm: BenchAlgorithm): string {
  return [
    '[hsm_config]',
    `pkcs11_lib = ${token.modulePath}`,
    `token_label = ${token.tokenLabel}`,
    `label = ${BENCH_PROFILES[algorithm].key.label}`,
    '',
  ].join('\n');
}

function limitFor(ctx: BenchContext, algorithm: BenchAlgorithm, source: KeySource): FigureLimit | undefined {
  const figure = ctx.figure(source === 'pem' ? pemSignRateId(algorithm) : hsmSignRateId(algorithm));
  const label =
    source === 'pem'
      ? pemSignRateLabel(algorithm)
      : hsmSignRateLabel(algorithm, ctx.signerConfig.pkcs11Sessions);
  return figure && { label, value: figure.value };
}

/**
 * What users do today: one `fleetsign sign_data --version 2` process per image, run one
 * after another like a shell loop, with a PEM key file (--keyfile) and with the token
 * (--hsm --hsm-config, PIN from FLEETSIGN_HSM_PIN). The first invocation of each
 * variant warms the file cache and is not counted.
 */
export const cliBaselineScenario: Scenario = {
  name: 'baseline-cli',
  title: 'per-process baseline: one fleetsign sign_data process per image',
  needs: ['limit-hsm', 'limit-pem'],
  async run(ctx) {
    const cli = join(ctx.root, 'bin', 'fleetsign.js');
    if (!existsSync(join(ctx.root, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js')))
      throw new Error('the CLI is not built: run npm run build');
    const count = ctx.quick ? 10 : 50;
    const dir = await ctx.dir('baseline');
    const token = await ctx.token();
    const env = { ...process.env, SOFTHSM2_CONF: token.confPath, [HSM_PIN_ENV]: token.pin };
    const firstSeed = allocateSeeds(count + 1);
    const inputs: string[] = [];
    for (let i = 0; i <= count; i++) {
      const path = join(dir, `image-${i}.bin`);
      await writeFile(path, buildEspImage({ chipId: BENCH_CHIP.id, size: IMAGE_BYTES, seed: firstSeed + i }));
      inputs.push(path);
    }
    const figures: Figure[] = [];
    for (const algorithm of ['ecdsa-p256', 'rsa3072'] as const) {
      const keyPath = join(dir, `${algorithm}.pem`);
      const iniPath = join(dir, `${algorithm}-hsm.ini`);
      await writeFileAtomic(keyPath, generateSigningKeyPem(algorithm), { mode: 0o600 });
      await writeFileAtomic(iniPath, hsmIni(token, algorithm), { mode: 0o600 });
      for (const source of ['pem', 'hsm'] as const) {
        const keyArgs = source === 'pem' ? ['--keyfile', keyPath] : ['--hsm', '--hsm-config', iniPath];
        const argsFor = (i: number) => [
          'sign_data',
          '--version',
          '2',
          ...keyArgs,
          '--output',
          join(dir, `signed-${algorithm}-${source}-${i}.bin`),
          inputs[i],
        ];
        await runCli(cli, argsFor(0), env);
        const start = nowMs();
        for (let i = 1; i <= count; i++) await runCli(cli, argsFor(i), env);
        const seconds = (nowMs() - start) / 1000;
        const rate = count / seconds;
        progress(
          `  ${algorithm} ${source === 'pem' ? '--keyfile' : '--hsm'}: ${rate.toFixed(2)} images/s (${count} processes in ${seconds.toFixed(1)} s)`,
        );
        figures.push(
          makeFigure({
            id: `baseline.cli.${algorithm}.${source}.images_per_s`,
            label: `per-process CLI, ${algorithm}, ${source === 'pem' ? '--keyfile PEM' : '--hsm'}, ${count} x 64 KiB`,
            unit: 'images/s',
            value: rate,
            limit: limitFor(ctx, algorithm, source),
            details: { processes: count, seconds, msPerImage: (seconds * 1000) / count, sequential: true },
          }),
        );
      }
    }
    return { figures };
  },
};
