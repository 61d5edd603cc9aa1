import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ApiScope, type FleetSignConfig, findApiKey } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { FastifyRequest } from 'fastify';
import { FLEET_CONFIG } from '../core/gateway.tokens';
import { noteQuota } from '../quotas/quota-headers';
import { TenantQuotas } from '../quotas/tenant-quotas';
import { OidcVerifier, looksLikeJwt } from './oidc-verifier';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type Principal, attachPrincipal, hasScope, principalOf, principalOfToken } from './principal';

/** Extracts the token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/**
 * Global guard: every route not marked public needs a configured API key or, when
 * identities are configured, an OIDC token one of them accepts; then the tenant's request
 * quota is counted and the scope the route names is checked. API tokens are compared by
 * hash in constant time (findApiKey); a token shaped like a JWT goes to the OidcVerifier.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    private readonly oidc: OidcVerifier,
    private readonly quotas: TenantQuotas,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticate(request.headers.authorization);
    const requests = await this.quotas.countRequest(principal.tenant);
    if (requests) noteQuota(request, requests);

    const scope = this.reflector.getAllAndOverride<ApiScope | undefined>(REQUIRED_SCOPE, targets);
    if (scope && !hasScope(principal, scope)) {
      const holder = principal.kind === 'oidc' ? 'identity' : 'API key';
      throw new FleetSignError(ErrorCode.Forbidden, `This ${holder} lacks the "${scope}" scope`, { scope });
    }
    attachPrincipal(request, principal);
    return true;
  }

  private async authenticate(header: string | string[] | undefined): Promise<Principal> {
    if (header === undefined) {
      throw new FleetSignError(ErrorCode.Unauthenticated, 'Missing Authorization header (expected "Bearer <token>")');
    }
    const token = bearerToken(header);
    if (token !== undefined && this.oidc.enabled && looksLikeJwt(token)) {
      const accepted = await this.oidc.verify(token);
      return principalOfToken(accepted.identity, accepted.subject);
    }
    const key = token === undefined ? undefined : findApiKey(this.fleet, token);
    if (!key) throw new FleetSignError(ErrorCode.Unauthenticated, 'Invalid API token');
    return principalOf(key);
  }
}
