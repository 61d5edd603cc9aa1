import { buildEspImage } from '@fleetsign/secure-boot';
import { decodeLogGroup, encodeLogGroup, entryLeafHash, openCheckpoint, verifyInclusion } from '@fleetsign/tlog';
import { createPublicKey } from 'node:crypto';
import { fleetsign } from '../integration/cli/cli-test-kit';
import { E2eStack } from './support/e2e-stack';
import type { SigningClient } from './support/signing-client';

// The transparency log over HTTP with a real signer (SoftHSM2 key, fs store): the signer
// writes its shutdown checkpoint; the gateway serves proofs that verify with libs/tlog and
// `fleetsign audit verify` online accepts the log, then catches an entry edited in the store.

const ESP32_C6 = 13;
const stack = E2eStack.create('audit-api', 'fs', [{ name: 'release-p256', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }], {
  scopes: ['sign', 'read', 'audit'],
});
let client: SigningClient;
const ids: string[] = [];

const hashes = (hex: readonly string[]) => hex.map((h) => Buffer.from(h, 'hex'));
const api = async (path: string) => {
  const res = await fetch(`${client.baseUrl}${path}`, { headers: { authorization: `Bearer ${stack.config.token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  await stack.startGateway();
  await stack.startSigner();
  client = stack.client();
  for (let seed = 0; seed < 3; seed++) {
    const { key } = await client.upload(buildEspImage({ chipId: ESP32_C6, size: 20_000, seed }));
    ids.push(await client.submit('release-p256', key));
  }
  for (const id of ids) await client.waitForSuccess(id);
  // A signer writes a checkpoint when it shuts down.
  await stack.signer?.close();
});

afterAll(() => stack.close());

describe('the transparency log over HTTP, signed by a real signer', () => {
  it('serves the checkpoint, and each job proof and job result verifies against it', async () => {
    const key = await api('/v1/audit/public-key');
    const publicKey = createPublicKey(key.body.publicKeyPem as string);
    const latest = await api('/v1/audit/checkpoint');
    expect(latest.status).toBe(200);
    const checkpoint = openCheckpoint(latest.body.note as string, { origin: stack.config.log.origin, publicKey });
    expect(checkpoint.size).toBe(3);
    const entries = await stack.logEntries();
    for (const id of ids) {
      const proof = await api(`/v1/audit/proofs/${id}`);
      expect(proof.status).toBe(200);
      const entry = entries.find((e) => e.jobId === id);
      expect(proof.body.entry).toEqual(entry);
      const leaf = entryLeafHash(entry!);
      expect(verifyInclusion(leaf, proof.body.index as number, checkpoint.size, hashes(proof.body.inclusionProof as string[]), checkpoint.rootHash)).toBe(true);
      const job = await client.job(id);
      const receipt = job.result?.log as { index: number; checkpoint?: string; inclusionProof?: string[] };
      expect(receipt.checkpoint).toBe(latest.body.note);
      expect(verifyInclusion(leaf, receipt.index, checkpoint.size, hashes(receipt.inclusionProof ?? []), checkpoint.rootHash)).toBe(true);
    }
  });

  it('fleetsign audit verify online exits 0, then 1 once an entry is edited in the store', async () => {
    const online = ['--url', client.baseUrl, '--api-key', stack.config.token];
    const ok = await fleetsign(['audit', 'verify', ...online]);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^ok: 3 entries/);

    const groupKey = stack.config.log.layout.groupKey(0);
    const group = decodeLogGroup(await stack.store.getBuffer(groupKey));
    await stack.store.put(groupKey, encodeLogGroup({ ...group, entries: group.entries.map((e) => ({ ...e, chip: 'esp32' })) }));
    const tampered = await fleetsign(['audit', 'verify', ...online]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/^audit: .*differs from the signed one\n$/);
  });
});
