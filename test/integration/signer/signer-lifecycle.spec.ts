import { ErrorCode } from '@fleetsign/errors';
import { WebhookEventType } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import type { Signer } from '../../../apps/signer/src';
import { requireTestEnv } from '../../support/test-env';
import { SignerHarness, tokenKey } from './signer-test-kit';

// Transient failures are retried and reported once, when the last attempt fails;
// closing the signer stops the worker and closes the keys.

const harness = new SignerHarness();
let config: string;

beforeAll(async () => {
  await harness.ready();
  const pin = harness.writeFile('pin', requireTestEnv('tokenPin'));
  config = harness.writeConfig([{ name: 'ec', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', pin)], state: 'active' }]);
});

afterAll(async () => {
  await harness.close();
});

describe('signer lifecycle', () => {
  it('retries a storage outage, then fails with STORAGE_ERROR and sends the failure event once', async () => {
    // Nothing listens on port 1: every object store call fails at once.
    const signer = await harness.startSigner(config, {
      env: { ...harness.env, FLEETSIGN_S3_ENDPOINT: 'http://127.0.0.1:1' },
    });
    try {
      const jobId = `job_${'5'.repeat(32)}`;
      const job = await harness.addJob('ec', await harness.putSource(buildEspImage({ chipId: 13, size: 8_000 })), {
        jobId,
        webhook: { url: 'https://hooks.example.com/x', eventId: `evt_${jobId}` },
      });
      expect(await harness.finished(job)).toMatchObject({ state: 'failed', code: ErrorCode.StorageError });
      const failed = await harness.signQueue.getJob(jobId);
      expect(failed?.attemptsMade).toBe(2);
      const event = await harness.webhookQueue.getJob(`evt_${jobId}`);
      expect(event?.data).toMatchObject({ type: WebhookEventType.SignFailed, payload: { error: { code: ErrorCode.StorageError } } });

      const metrics = await signer.metrics.registry.getSingleMetricAsString('fleetsign_signer_job_attempts_failed_total');
      expect(metrics).toContain('fleetsign_signer_job_attempts_failed_total{code="STORAGE_ERROR",retry="true",service="signer"} 1');
      expect(metrics).toContain('fleetsign_signer_job_attempts_failed_total{code="STORAGE_ERROR",retry="false",service="signer"} 1');
    } finally {
      await signer.close();
    }
  });

  it('is ready once keys are loaded, and after close takes no jobs and has its keys closed', async () => {
    const signer: Signer = await harness.startSigner(config);
    expect(signer.isReady()).toBe(true);
    const health = await fetch(`${signer.metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    // Readiness checks what a pod needs to sign: Redis, the object store and open keys.
    const ready = await fetch(`${signer.metricsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { process: 'ok', redis: 'ok', store: 'ok', keys: 'ok' },
      profiles: [expect.objectContaining({ name: 'ec', state: 'available' })],
    });
    const ec = await signer.registry.acquire('ec');

    await signer.close();
    await signer.close(); // a second close is harmless

    expect(signer.isReady()).toBe(false);
    expect(signer.worker.isRunning()).toBe(false);
    await expect(signer.registry.acquire('ec')).rejects.toMatchObject({ code: ErrorCode.HsmUnavailable });
    await expect(ec.keys[0].signer.sign(Buffer.alloc(32))).rejects.toMatchObject({ code: ErrorCode.HsmUnavailable });
    await expect(fetch(`${signer.metricsUrl}/healthz`)).rejects.toThrow();
  });
});
