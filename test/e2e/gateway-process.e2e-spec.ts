import { readFileSync, realpathSync } from 'node:fs';
import { findFreePort, type ServiceProcess } from '@fleetsign/devstack';
import { buildEspImage } from '@fleetsign/secure-boot';
import { requireTestEnv } from '../support/test-env';
import { E2eStack } from './support/e2e-stack';
import { builtEntry, mappedFiles, startService } from './support/node-service';
import { expectSignedWithPublishedKeys } from './support/signed-file-checks';
import { download, type SigningClient } from './support/signing-client';

// The built gateway, run as its own process the way it is deployed, serves the whole
// signing path (a signer in this process does the signing) and never maps a PKCS#11
// library: its /proc/<pid>/maps is read after it has served jobs and public keys.

const ESP32_C6 = 13;

const isPkcs11Library = (path: string) => /softhsm|pkcs11/i.test(path);

const stack = E2eStack.create('gateway-process', 's3', [{ name: 'release-p256', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }]);
let gateway: ServiceProcess;
let client: SigningClient;

beforeAll(async () => {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  // The gateway gets the deployment settings only: no SOFTHSM2_CONF, no PINs.
  gateway = await startService(
    'gateway',
    {
      ...stack.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
      FLEETSIGN_GATEWAY_PORT: String(port),
      FLEETSIGN_LOG_LEVEL: 'warn',
    },
    stack.config.dir,
    { readyUrl: `${url}/healthz` },
  );
  await gateway.waitReady(15_000);
  stack.useGatewayAt(url);
  client = stack.client();
  await stack.startSigner();
});

afterAll(async () => {
  await gateway?.stop();
  await stack.close();
});

describe('the gateway process', () => {
  it('serves uploads, jobs, results and public keys without mapping a PKCS#11 library', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 25_000, seed: 6 });
    const published = await client.publicKeys('release-p256');
    const { key } = await client.upload(image);
    const id = await client.submit('release-p256', key);
    const job = await client.waitForSuccess(id);
    expectSignedWithPublishedKeys(await download(job.result.downloadUrl), image, published, job);
    expect((await client.api('/v1/profiles')).status).toBe(200);

    // The probe reads the gateway's own node process, which is alive and serving.
    expect(readFileSync(`/proc/${gateway.pid}/cmdline`, 'utf8').split('\0')).toContain(builtEntry('gateway'));
    const mapped = mappedFiles(gateway.pid);
    expect(mapped).toContain(realpathSync(process.execPath));
    expect(mapped.filter(isPkcs11Library)).toEqual([]);
    expect((await fetch(`${client.baseUrl}/healthz`)).status).toBe(200);
  });

  it('control: the same probe sees SoftHSM2 in this process, where the signer opened its keys', () => {
    expect(stack.signer?.isReady()).toBe(true);
    expect(mappedFiles('self').filter(isPkcs11Library)).toEqual(
      expect.arrayContaining([realpathSync(requireTestEnv('pkcs11Module')), expect.stringMatching(/pkcs11.*\.node$/)]),
    );
  });
});
