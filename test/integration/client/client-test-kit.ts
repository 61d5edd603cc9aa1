import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateApiToken } from '@fleetsign/config';
import { buildEspImage, verifyV2 } from '@fleetsign/secure-boot';
import { stringify } from 'yaml';
import { runCli } from '../../../apps/cli/src/cli';
import { type ClientRuntime, createClientCommands } from '../../../apps/cli/src/commands/client';
import { createGateway, type Gateway } from '../../../apps/gateway/src';
import type { Signer } from '../../../apps/signer/src';
import { gatewayTestEnv } from '../gateway/gateway-harness';
import { SignerHarness, tokenKey } from '../signer/signer-test-kit';
import { requireTestEnv } from '../../support/test-env';

// A FleetSign deployment in this process for the client specs: the real gateway and
// signer on the shared Redis, s3rver and SoftHSM token, one tenant with one API key
// (scopes sign, read, batch), and `fleetsign` run in-process against it.

/** Profiles of the client stack. */
export const CLIENT_PROFILES = {
  /** RSA-3072 on the SoftHSM token, ESP32-S3 images. */
  rsa: 'cl-rsa',
  /** Two ECDSA P-256 keys on the token. */
  ecdsa: 'cl-p256',
  /** One P-256 key; every job waits for one approval by the operator key (dual control). */
  dual: 'cl-dual',
} as const;

/** Image-header chip ids: ESP32-S3 boots RSA-3072 images, ESP32-C6 ECDSA P-256 ones. */
export const CHIP_IDS = { esp32s3: 9, esp32c6: 13 } as const;

/** Largest image the stack accepts. */
export const CLIENT_MAX_IMAGE_BYTES = 1024 * 1024;

/** Exit code and captured output of one in-process `fleetsign` run. */
export interface ClientRun {
  /** What the runner returned (the process exit code). */
  code: number;
  /** The exit code the client command decided (0, 1 some images failed, 2 fatal); undefined when no client command ran. */
  exit?: number;
  stdout: string;
  stderr: string;
}

/** Asserts a run's exit: the command's own code and the code runCli returned, exactly. */
export function expectExit(run: ClientRun, exit: 0 | 1 | 2): void {
  expect({ exit: run.exit, code: run.code }).toEqual({ exit, code: exit });
}

/** The running stack. */
export class ClientStack {
  readonly token = generateApiToken();
  /** An `operator` key of the same tenant (the operator console). */
  readonly operatorToken = generateApiToken();
  gateway!: Gateway;
  signer!: Signer;

  private constructor(readonly harness: SignerHarness) {}

  /** Writes the configuration, starts a signer and a gateway. */
  static async start(): Promise<ClientStack> {
    const stack = new ClientStack(new SignerHarness());
    const { harness } = stack;
    await harness.ready();
    const pin = harness.writeFile('token.pin', `${requireTestEnv('tokenPin')}\n`);
    const configPath = harness.writeFile(
      'fleetsign.yaml',
      stringify({
        version: 1,
        profiles: [
          { name: CLIENT_PROFILES.rsa, scheme: 'sbv2-rsa3072', keys: [tokenKey('rsa3072', pin)], state: 'active' },
          // Dual control (console approvals): the operator key approves what client-ci asks for.
          {
            name: CLIENT_PROFILES.dual,
            scheme: 'sbv2-ecdsa-p256',
            keys: [tokenKey('p256', pin)],
            state: 'active',
            approval: { required: 1, approvers: ['client-operator'], expires_after: '1h' },
          },
          {
            name: CLIENT_PROFILES.ecdsa,
            scheme: 'sbv2-ecdsa-p256',
            keys: [tokenKey('p256', pin), tokenKey('p256b', pin)],
            state: 'active',
          },
        ],
        tenants: [{ name: harness.tenant }],
        // A checkpoint after every entry, so the console shows one as soon as a job is signed.
        transparency_log: { ...harness.log.configSection(harness.dir), checkpoint_every: 1 },
        api_keys: [
          {
            id: 'client-ci',
            token_sha256: stack.token.tokenSha256,
            tenant: harness.tenant,
            profiles: ['*'],
            scopes: ['sign', 'read', 'batch'],
          },
          {
            id: 'client-operator',
            token_sha256: stack.operatorToken.tokenSha256,
            tenant: harness.tenant,
            profiles: ['*'],
            scopes: ['operator'],
          },
        ],
      }),
    );
    try {
      stack.signer = await harness.startSigner(configPath);
      stack.gateway = await createGateway({
        env: { ...gatewayTestEnv(configPath, harness.prefix), FLEETSIGN_MAX_IMAGE_BYTES: String(CLIENT_MAX_IMAGE_BYTES) },
        logLevel: 'silent',
      });
    } catch (err) {
      await harness.close();
      throw err;
    }
    return stack;
  }

  get url(): string {
    return this.gateway.url;
  }

  /** `--url` and `--api-key` for this stack. */
  get connection(): string[] {
    return ['--url', this.url, '--api-key', this.token.token];
  }

  /**
   * Runs `fleetsign <argv>` in-process with the service-client commands bound to
   * `runtime` (plain progress lines, fast polls), and checks that the API key shows
   * nowhere in its output.
   */
  async run(argv: string[], runtime: ClientRuntime = {}): Promise<ClientRun> {
    let stdout = '';
    let stderr = '';
    let exit: number | undefined;
    const commands = createClientCommands({
      progress: 'lines',
      handleInterrupts: false,
      pollBackoff: { initialMs: 50, maxMs: 250, factor: 1.5 },
      ...runtime,
      onExit: (value) => {
        exit = value;
        runtime.onExit?.(value);
      },
    });
    const code = await runCli(
      argv,
      {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
      },
      commands,
    );
    expect(stdout).not.toContain(this.token.token);
    expect(stderr).not.toContain(this.token.token);
    return { code, exit, stdout, stderr };
  }

  /** Signatures the signer has made with its keys (HSM operations: one per image and key set). */
  async signOperations(): Promise<number> {
    const metric = await this.signer.metrics.signDuration.get();
    return metric.values
      .filter((value) => value.metricName === 'fleetsign_signer_sign_duration_seconds_count')
      .reduce((sum, value) => sum + value.value, 0);
  }

  async close(): Promise<void> {
    await this.gateway?.close();
    await this.harness.close();
  }
}

/** A loopback port nothing listens on (a server's port, closed again). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temp folder of a spec, removed afterwards. */
export class ClientWorkspace {
  readonly dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'client-'));

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  write(name: string, data: Buffer | string): string {
    const path = this.path(name);
    writeFileSync(path, data);
    return path;
  }

  read(...parts: string[]): Buffer {
    return readFileSync(this.path(...parts));
  }

  files(...parts: string[]): string[] {
    return readdirSync(this.path(...parts)).sort();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A small valid app image (ESP32-S3 unless said); distinct seeds give distinct bytes. */
export function espImage(seed: number, options: { chip?: keyof typeof CHIP_IDS; size?: number } = {}): Buffer {
  return buildEspImage({ chipId: CHIP_IDS[options.chip ?? 'esp32s3'], size: options.size ?? 12 * 1024, seed });
}

/** True when `file` is a valid V2-signed image whose every block verifies against `publicKeyPems` (device rules). */
export function verifiesWith(file: Buffer, publicKeyPems: string[]): boolean {
  const publicKeys: KeyObject[] = publicKeyPems.map((pem) => createPublicKey(pem));
  const report = verifyV2(file, { publicKeys, imageLayout: 'require' });
  return report.valid && report.blocks.length === publicKeyPems.length && report.blocks.every((block) => block.valid);
}
