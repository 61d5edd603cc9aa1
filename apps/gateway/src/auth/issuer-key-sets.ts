import type { IdentityConfig } from '@fleetsign/config';
import type { JWTVerifyGetKey, RemoteJWKSetOptions } from 'jose';

/** How long a discovery document or key set request may take. */
export const ISSUER_FETCH_TIMEOUT_MS = 5000;
/** Largest discovery document read (GitHub's is ~1 KB). */
const MAX_DISCOVERY_BYTES = 256 * 1024;

type RemoteKeySetFactory = (url: URL, options: RemoteJWKSetOptions) => JWTVerifyGetKey;

/** The `jwks_uri` an issuer's OpenID discovery document names, checked like the configuration checks URLs. */
export async function discoverJwksUri(issuer: string, allowHttp: boolean): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(ISSUER_FETCH_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`discovery answered HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_DISCOVERY_BYTES) throw new Error('discovery document too large');
  const document = JSON.parse(text) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was fetched for.
  if (document.issuer !== issuer) throw new Error('discovery document names another issuer');
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string') throw new Error('discovery document has no jwks_uri');
  const protocol = new URL(jwksUri).protocol;
  if (protocol !== 'https:' && !(allowHttp && protocol === 'http:')) throw new Error('jwks_uri is not https');
  return jwksUri;
}

/**
 * The key set of each identity's issuer, one jose remote JWKS per (URL, cache settings),
 * shared by the identities that name the same one. The key set URL comes from the
 * identity's `jwks_uri` or from the issuer's discovery document, read once it succeeds
 * (a failed discovery is tried again by the next token).
 */
export class IssuerKeySets {
  private readonly sets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(
    private readonly createRemote: RemoteKeySetFactory,
    private readonly discover: typeof discoverJwksUri = discoverJwksUri,
  ) {}

  of(identity: IdentityConfig): Promise<JWTVerifyGetKey> {
    const id = JSON.stringify([identity.jwksUri ?? `discover:${identity.issuer}`, identity.allowHttp, identity.jwksCooldownMs, identity.jwksMaxAgeMs]);
    let set = this.sets.get(id);
    if (!set) {
      set = this.open(identity);
      this.sets.set(id, set);
      set.catch(() => this.sets.delete(id));
    }
    return set;
  }

  private async open(identity: IdentityConfig): Promise<JWTVerifyGetKey> {
    const uri = identity.jwksUri ?? (await this.discover(identity.issuer, identity.allowHttp));
    return this.createRemote(new URL(uri), {
      timeoutDuration: ISSUER_FETCH_TIMEOUT_MS,
      cooldownDuration: identity.jwksCooldownMs,
      cacheMaxAge: identity.jwksMaxAgeMs,
    });
  }
}
