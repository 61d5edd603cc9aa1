import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoverJwksUri } from './issuer-key-sets';
import { looksLikeJwt } from './oidc-verifier';

// Issuer discovery against a real HTTP server on loopback.

describe('discoverJwksUri', () => {
  let server: Server;
  let issuer: string;
  let document: unknown = {};
  let status = 200;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/.well-known/openid-configuration') return void response.writeHead(404).end();
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(document));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers the jwks_uri of a document that names the issuer', async () => {
    document = { issuer, jwks_uri: `${issuer}/jwks` };
    status = 200;
    await expect(discoverJwksUri(issuer, true)).resolves.toBe(`${issuer}/jwks`);
  });

  it('refuses a document for another issuer, without jwks_uri, an http key set unless allowed, and a non-200', async () => {
    status = 200;
    document = { issuer: 'https://impostor.example', jwks_uri: `${issuer}/jwks` };
    await expect(discoverJwksUri(issuer, true)).rejects.toThrow('discovery document names another issuer');
    document = { issuer };
    await expect(discoverJwksUri(issuer, true)).rejects.toThrow('discovery document has no jwks_uri');
    document = { issuer, jwks_uri: `${issuer}/jwks` };
    await expect(discoverJwksUri(issuer, false)).rejects.toThrow('jwks_uri is not https');
    status = 500;
    await expect(discoverJwksUri(issuer, true)).rejects.toThrow('discovery answered HTTP 500');
  });
});

describe('looksLikeJwt', () => {
  it('takes three base64url parts and nothing else', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    for (const token of ['fsk_abc', 'a.b', 'a.b.c.d', 'a..c', 'a.b.c=', `${'a'.repeat(20_000)}.b.c`]) expect(looksLikeJwt(token)).toBe(false);
  });
});
