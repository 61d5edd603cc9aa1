import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEspImage } from '@fleetsign/secure-boot';
import { runCli } from '../../apps/cli/src/cli';
import { createClientCommands } from '../../apps/cli/src/commands/client';
import { requireTestEnv } from '../support/test-env';
import { type LocalOidcIssuer, startLocalOidcIssuer } from '../support/oidc-issuer';
import { E2eStack } from './support/e2e-stack';
import { SigningClient } from './support/signing-client';

// A CI job signs with its OIDC token instead of an API key, through gateway, signer and
// transparency log: the token's subject and issuer are the requester everywhere.

const ESP32_C6 = 13;
const AUDIENCE = 'https://fleetsign.e2e';
const SUBJECT = 'repo:acme/fw:ref:refs/heads/main';

let issuer: LocalOidcIssuer;
let stack: E2eStack;

beforeAll(async () => {
  issuer = await startLocalOidcIssuer();
  issuer.publish([await issuer.newKey('ES256')]);
  stack = E2eStack.create('ci-identity', 'fs', [{ name: 'release', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }], {
    identities: (tenant) => [
      {
        name: 'ci-main',
        issuer: issuer.url,
        allow_http: true,
        audience: AUDIENCE,
        claims: { repository: 'acme/fw', ref: 'refs/heads/main' },
        tenant,
        profiles: ['release'],
        scopes: ['sign', 'read'],
      },
    ],
  });
  await stack.startGateway();
  await stack.startSigner();
});

afterAll(async () => {
  await stack?.close();
  await issuer?.close();
});

it('signs for an OIDC token and records its subject and issuer in the job and the log entry', async () => {
  const token = await issuer.mint(issuer.published[0], { aud: AUDIENCE, sub: SUBJECT, repository: 'acme/fw', ref: 'refs/heads/main' });
  const ci = new SigningClient(stack.gateway!.url, token);
  const { key } = await ci.upload(buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 8 }));
  const id = await ci.submit('release', key);
  const job = await ci.waitForJob(id);
  expect(job).toMatchObject({ state: 'succeeded', requester: SUBJECT, requesterIssuer: issuer.url });
  expect(await stack.logEntryOf(id)).toMatchObject({ jobId: id, tenant: stack.tenant, requester: SUBJECT, requesterIssuer: issuer.url });

  // The CLI of the CI job reads the token from FLEETSIGN_TOKEN_FILE and never prints it.
  const dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'ci-token-'));
  const tokenFile = join(dir, 'oidc-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const saved = process.env.FLEETSIGN_TOKEN_FILE;
  process.env.FLEETSIGN_TOKEN_FILE = tokenFile;
  let stdout = '';
  let stderr = '';
  try {
    const commands = createClientCommands({ progress: 'lines', handleInterrupts: false });
    const code = await runCli(
      ['status', id, '--url', stack.gateway!.url],
      { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) },
      commands,
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  } finally {
    if (saved === undefined) delete process.env.FLEETSIGN_TOKEN_FILE;
    else process.env.FLEETSIGN_TOKEN_FILE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
  expect(stdout).toContain(`Requested by: ${SUBJECT} (OIDC issuer ${issuer.url})`);
  expect(stdout).not.toContain(token);
});
