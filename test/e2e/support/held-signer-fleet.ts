import type { ServiceProcess } from '@fleetsign/devstack';
import { requireTestEnv } from '../../support/test-env';
import type { E2eProfile } from './e2e-config';
import { E2eStack } from './e2e-stack';
import { type HoldingProxy, startHoldingProxy } from './holding-proxy';
import { startService, waitForLogMessage } from './node-service';
import type { SigningClient } from './signing-client';

/**
 * A gateway and signer processes on the s3 store where the FIRST signer reaches the
 * store through a proxy that withholds the answer to its PUT of a signed file: the
 * signer kill specs use it to kill a signer at a known point of a job. Call `setUp` in
 * beforeAll and `tearDown` in afterAll.
 */
export class HeldSignerFleet {
  readonly stack: E2eStack;
  readonly signers: ServiceProcess[] = [];
  proxy!: HoldingProxy;
  client!: SigningClient;

  /** `signerSettings`: extra environment of every signer process (e.g. lock settings). */
  constructor(
    name: string,
    profiles: E2eProfile[],
    private readonly signerSettings: Record<string, string> = {},
  ) {
    this.stack = E2eStack.create(name, 's3', profiles);
  }

  async setUp(): Promise<void> {
    await this.stack.startGateway();
    this.client = this.stack.client();
    const tenant = this.stack.tenant;
    this.proxy = await startHoldingProxy(requireTestEnv('s3Endpoint'), (method, path) => method === 'PUT' && path.includes(`/signed/${tenant}/`));
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.signers.map((signer) => signer.stop()));
    await this.proxy?.close();
    await this.stack.close();
  }

  /**
   * Starts signer process `instance` as an operator runs it (the stack's settings, the
   * test token); `held` routes its store traffic through the withholding proxy. Waits
   * until it has started unless `waitStarted` is false.
   */
  async startSigner(instance: number, options: { held: boolean; waitStarted?: boolean }): Promise<ServiceProcess> {
    const env = {
      ...this.stack.env,
      FLEETSIGN_S3_ENDPOINT: options.held ? this.proxy.endpoint : requireTestEnv('s3Endpoint'),
      SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FLEETSIGN_LOG_LEVEL: 'info',
      FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS: '5000',
      ...this.signerSettings,
    };
    const signer = await startService('signer', env, this.stack.config.dir, { instance });
    this.signers.push(signer);
    if (options.waitStarted !== false) await waitForLogMessage(signer, 'signer started');
    return signer;
  }
}
