import type { IdentityConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import { HttpProblem } from '../http/http-problem';
import { IssuerKeySets } from './issuer-key-sets';

/** A bearer token shaped like a JWS compact serialisation (three base64url parts); API tokens never are. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** True when a bearer token is checked as an OIDC token rather than looked up as an API key. */
export function looksLikeJwt(token: string): boolean {
  return token.length <= 16_384 && JWT_SHAPE.test(token);
}

/**
 * Why a token was refused (`reason` of the 401 TOKEN_INVALID problem), ordered by how far
 * its check got: with several identities of one issuer, the furthest reason is reported.
 */
export const TOKEN_REFUSALS = ['malformed', 'issuer', 'algorithm', 'unknown_key', 'signature', 'expired', 'not_yet_valid', 'audience', 'claims'] as const;
export type TokenRefusal = (typeof TOKEN_REFUSALS)[number];

const REFUSAL_TEXT: Record<TokenRefusal, string> = {
  malformed: 'the token is not a well-formed signed JWT with iss, sub and exp',
  issuer: 'no identity is configured for the token issuer',
  algorithm: "the token's signing algorithm is not allowed",
  unknown_key: "the token's key id is not in the issuer's key set",
  signature: 'the token signature does not verify',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  audience: 'the token audience does not match an identity',
  claims: "the token's claims do not match an identity",
};

/** The identity a token was accepted for and the token's subject (the requester). */
export interface AcceptedToken {
  identity: IdentityConfig;
  subject: string;
}

/** The issuer's key set could not be read: a fault of the moment, answered 503 so CI retries. */
class KeySetUnavailable extends Error {}

function refusal(reason: TokenRefusal, issuer?: string): FleetSignError {
  return new FleetSignError(ErrorCode.TokenInvalid, `Token refused: ${REFUSAL_TEXT[reason]}`, {
    reason,
    ...(issuer !== undefined ? { issuer } : {}),
  });
}

/** Maps a jose verification error to a refusal; anything else is rethrown. */
function refusalOf(err: unknown): TokenRefusal {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || err.claim === 'iat') return 'not_yet_valid';
    if (err.claim === 'aud') return 'audience';
    if (err.claim === 'iss') return 'issuer';
    return 'malformed';
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'algorithm';
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSMultipleMatchingKeys) return 'signature';
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return 'malformed';
  throw err;
}

/** True when every configured claim of the identity is in the token with an accepted string value. */
function claimsMatch(identity: IdentityConfig, payload: JWTPayload): boolean {
  return Object.entries(identity.claims).every(([claim, accepted]) => {
    const value = payload[claim];
    return typeof value === 'string' && accepted.includes(value);
  });
}

/**
 * Checks OIDC tokens (GitHub Actions, GitLab CI, Kubernetes service accounts...) against
 * the configured identities with jose: signature by a key of the issuer's JWKS (cached;
 * an unknown key id refetches the set, at most once per cooldown, which is how rotation
 * is followed), allowed algorithm, `iss`, `aud`, `exp`/`nbf` with the identity's clock
 * tolerance, `sub`, then the identity's claims. The first identity in file order that
 * accepts the token wins.
 */
export class OidcVerifier {
  private readonly byIssuer = new Map<string, IdentityConfig[]>();
  private readonly keySets: IssuerKeySets;

  constructor(
    identities: readonly IdentityConfig[],
    private readonly onRefused: (reason: TokenRefusal) => void = () => undefined,
    keySets = new IssuerKeySets(createRemoteJWKSet),
  ) {
    for (const identity of identities) {
      const list = this.byIssuer.get(identity.issuer) ?? [];
      list.push(identity);
      this.byIssuer.set(identity.issuer, list);
    }
    this.keySets = keySets;
  }

  /** True when at least one identity is configured. */
  get enabled(): boolean {
    return this.byIssuer.size > 0;
  }

  /**
   * The identity that accepts `token`. Throws 401 TOKEN_INVALID with a `reason`, or 503
   * SERVICE_UNAVAILABLE when the issuer's discovery document or key set cannot be read.
   */
  async verify(token: string): Promise<AcceptedToken> {
    try {
      return await this.accept(token);
    } catch (err) {
      const reason = (err as FleetSignError).details?.reason;
      if (typeof reason === 'string' && (TOKEN_REFUSALS as readonly string[]).includes(reason)) this.onRefused(reason as TokenRefusal);
      throw err;
    }
  }

  private async accept(token: string): Promise<AcceptedToken> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw refusal('malformed');
    }
    const candidates = typeof issuer === 'string' ? this.byIssuer.get(issuer) : undefined;
    if (!candidates) throw refusal(typeof issuer === 'string' ? 'issuer' : 'malformed');

    let furthest: TokenRefusal = 'malformed';
    for (const identity of candidates) {
      const outcome = await this.check(identity, token);
      if (typeof outcome !== 'string') return outcome;
      if (TOKEN_REFUSALS.indexOf(outcome) > TOKEN_REFUSALS.indexOf(furthest)) furthest = outcome;
    }
    throw refusal(furthest, issuer as string);
  }

  private async check(identity: IdentityConfig, token: string): Promise<AcceptedToken | TokenRefusal> {
    const keys: JWTVerifyGetKey = async (header, input) => {
      try {
        return await (await this.keySets.of(identity))(header, input);
      } catch (err) {
        if (
          err instanceof errors.JWKSNoMatchingKey ||
          err instanceof errors.JWKSMultipleMatchingKeys ||
          err instanceof errors.JOSENotSupported ||
          err instanceof errors.JOSEAlgNotAllowed
        ) {
          throw err;
        }
        throw new KeySetUnavailable((err as Error)?.message ?? String(err));
      }
    };
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: identity.issuer,
        audience: identity.audience,
        algorithms: [...identity.algorithms],
        clockTolerance: identity.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') return 'malformed';
      if (!claimsMatch(identity, payload)) return 'claims';
      return { identity, subject: payload.sub };
    } catch (err) {
      if (err instanceof KeySetUnavailable) {
        throw new HttpProblem(
          503,
          ErrorCode.ServiceUnavailable,
          `The key set of token issuer ${identity.issuer} cannot be read right now; retry later`,
          { issuer: identity.issuer },
        );
      }
      return refusalOf(err);
    }
  }
}
