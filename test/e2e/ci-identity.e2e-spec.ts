import { buildEspImage } from '@fleetsign/secure-boot';
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
});
