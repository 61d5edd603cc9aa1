import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFleetSignConfig } from '@fleetsign/config';
import { Webhook } from 'standardwebhooks';
import { stringify } from 'yaml';
import type { Notifier } from '../../../apps/notifier/src';
import { requireTestEnv } from '../../support/test-env';
import { newWebhookSecret, type Receiver, replyWith, startNotifierUnderTest, startReceiver, type WebhookProducer, webhookHeaders } from './notifier-test-kit';

// The notifier's tenants follow the configuration file: a reload adds a tenant whose
// events are then signed with its secret; an invalid file is refused and the tenants in
// force keep being served.

const env = { ACME_WHSEC: newWebhookSecret(), NEWCO_WHSEC: newWebhookSecret() };
const dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'notifier-reload-'));
const path = join(dir, 'fleetsign.yaml');
const write = (tenants: Array<Record<string, unknown>>) => writeFileSync(path, stringify({ version: 1, tenants }));
const load = (file: string) => loadFleetSignConfig(file, env, { checkWebhookSecrets: true });

let producer: WebhookProducer;
let notifier: Notifier;
let receiver: Receiver;

beforeAll(async () => {
  write([{ name: 'acme', webhook_secret_env: 'ACME_WHSEC' }]);
  receiver = await startReceiver(replyWith(204));
  const initial = load(path);
  ({ producer, notifier } = await startNotifierUnderTest('notifier-reload', {
    notifier: { timeoutMs: 2000, attempts: 2, allowPrivateTargets: { cidrs: ['127.0.0.1/32'], hosts: [] } },
    tenants: initial.tenants,
    configFile: { path, initial, load },
    env,
  }));
});

afterAll(async () => {
  await notifier?.close();
  await producer?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function deliveredWith(tenant: string, secret: string): Promise<void> {
  const event = await producer.addEvent(tenant, `${receiver.origin}/hooks/${tenant}`);
  const job = await producer.finished(event.eventId);
  expect(await job.getState()).toBe('completed');
  const request = receiver.requests.find((candidate) => candidate.headers['webhook-id'] === event.eventId);
  expect(new Webhook(secret).verify(request?.body ?? '', webhookHeaders(request as never))).toMatchObject({ id: event.eventId });
}

it('refuses an invalid file (the tenants in force stay) and serves a tenant a valid reload adds', async () => {
  write([{ name: 'acme', webhook_secret_env: 'ACME_WHSEC' }, { name: 'newco', webhook_secret_env: 'MISSING_WHSEC' }]);
  const refused = await notifier.reloadConfig?.();
  expect(refused).toEqual({ outcome: 'refused', reason: expect.stringMatching(/^INVALID_CONFIG: .*tenants\[1\]\.webhook_secret_env/) });
  expect(await counter('fleetsign_config_reload_failures_total')).toBe(1);
  await deliveredWith('acme', env.ACME_WHSEC);

  write([{ name: 'acme', webhook_secret_env: 'ACME_WHSEC' }, { name: 'newco', webhook_secret_env: 'NEWCO_WHSEC' }]);
  expect(await notifier.reloadConfig?.()).toEqual({ outcome: 'applied', restartOnly: [] });
  await deliveredWith('newco', env.NEWCO_WHSEC);
});

async function counter(name: string): Promise<number> {
  const metric = notifier.metrics.registry.getSingleMetric(name);
  return (await metric?.get())?.values[0]?.value ?? 0;
}
