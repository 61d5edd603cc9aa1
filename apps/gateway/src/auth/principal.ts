import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyConfig, ApiScope, IdentityConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { FastifyRequest } from 'fastify';

/** How a caller authenticated: a configured API key, or an OIDC token of a configured identity. */
export type PrincipalKind = 'api_key' | 'oidc';

/** Who is calling: the API key or the OIDC identity that authenticated the request. */
export interface Principal {
  kind: PrincipalKind;
  /** Who, as recorded (requester): the API key id, or the OIDC token's subject (`sub`); never a token. */
  name: string;
  /** OIDC only: the token's issuer and the configured identity that accepted it. */
  oidc?: { issuer: string; identity: string };
  tenant: string;
  scopes: readonly ApiScope[];
  /** Allowed profile names; '*' allows every profile. */
  profiles: readonly string[];
}

/** Builds the principal of a configured API key. */
export function principalOf(key: ApiKeyConfig): Principal {
  return { kind: 'api_key', name: key.id, tenant: key.tenant, scopes: key.scopes, profiles: key.profiles };
}

/** Builds the principal of an OIDC token a configured identity accepted; `subject` is the token's `sub`. */
export function principalOfToken(identity: IdentityConfig, subject: string): Principal {
  return {
    kind: 'oidc',
    name: subject,
    oidc: { issuer: identity.issuer, identity: identity.name },
    tenant: identity.tenant,
    scopes: identity.scopes,
    profiles: identity.profiles,
  };
}

/** True when the key may use `profile`. */
export function mayUseProfile(principal: Principal, profile: string): boolean {
  return principal.profiles.includes('*') || principal.profiles.includes(profile);
}

/** True when the key holds `scope` ('admin' holds every scope). */
export function hasScope(principal: Principal, scope: ApiScope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

const PRINCIPAL = Symbol('fleetsign.principal');
type RequestWithPrincipal = FastifyRequest & { [PRINCIPAL]?: Principal };

/** Stores the authenticated principal on the request for the handler. */
export function attachPrincipal(request: FastifyRequest, principal: Principal): void {
  (request as RequestWithPrincipal)[PRINCIPAL] = principal;
}

/** The principal the auth guard attached; a route without one is a wiring mistake. */
export function principalOfRequest(request: FastifyRequest): Principal {
  const principal = (request as RequestWithPrincipal)[PRINCIPAL];
  if (!principal) throw new FleetSignError(ErrorCode.Unauthenticated, 'Authentication required');
  return principal;
}

/** Handler parameter: the authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOfRequest(context.switchToHttp().getRequest<FastifyRequest>()),
);

export const PUBLIC_ROUTE = 'fleetsign:public-route';
export const REQUIRED_SCOPE = 'fleetsign:required-scope';

/** Marks a route that needs no bearer token (health, metrics, signed object URLs). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

/** The scope a route needs. */
export const RequireScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);
