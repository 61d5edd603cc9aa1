import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyConfig, ApiScope } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { FastifyRequest } from 'fastify';

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  /** API key id from configuration (never the token). */
  keyId: string;
  tenant: string;
  scopes: readonly ApiScope[];
  /** Allowed profile names; '*' allows every profile. */
  profiles: readonly string[];
}

/** Builds the principal of a configured API key. */
export function principalOf(key: ApiKeyConfig): Principal {
  return { keyId: key.id, tenant: key.tenant, scopes: key.scopes, profiles: key.profiles };
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
