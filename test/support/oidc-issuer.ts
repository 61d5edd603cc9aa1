import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, type JWTPayload, type KeyLike, SignJWT, exportJWK, generateKeyPair } from 'jose';

// A local OpenID Connect issuer speaking the real wire protocol a CI platform's does
// (GitHub Actions, GitLab, Kubernetes): GET /.well-known/openid-configuration names the
// issuer and its jwks_uri; GET /jwks answers the public keys as a JSON Web Key Set. It
// mints tokens with its own keys, and can rotate them or stop answering.

export interface IssuerKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'ES384';
  privateKey: KeyLike;
  publicJwk: JWK;
}

export interface LocalOidcIssuer {
  /** The issuer URL (`iss`), http://127.0.0.1:<port>. */
  url: string;
  /** Keys currently published in the JWKS. */
  published: IssuerKey[];
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** Makes a key pair (not published until `publish`). */
  newKey(alg?: IssuerKey['alg']): Promise<IssuerKey>;
  /** Replaces the published key set. */
  publish(keys: IssuerKey[]): void;
  /** While true the discovery and JWKS routes answer 503. */
  setDown(down: boolean): void;
  /** A signed token; `claims` override the defaults (iss = this issuer, iat now, exp in 5 min). */
  mint(key: IssuerKey, claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalOidcIssuer(): Promise<LocalOidcIssuer> {
  let published: IssuerKey[] = [];
  let down = false;
  let fetches = 0;
  let url = '';
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (down) return send(503, { error: 'unavailable' });
    if (request.url === '/.well-known/openid-configuration') {
      return send(200, { issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    }
    if (request.url === '/jwks') {
      fetches++;
      return send(200, { keys: published.map((key) => key.publicJwk) });
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let serial = 0;

  const issuer: LocalOidcIssuer = {
    url,
    get published() {
      return published;
    },
    jwksFetches: () => fetches,
    async newKey(alg = 'RS256') {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `key-${++serial}`;
      return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    },
    publish(keys) {
      published = keys;
    },
    setDown(value) {
      down = value;
    },
    async mint(key, claims) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: url, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .sign(key.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return issuer;
}
