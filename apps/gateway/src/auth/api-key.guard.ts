import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ApiScope, type FleetSignConfig, findApiKey } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { FastifyRequest } from 'fastify';
import { FLEET_CONFIG } from '../core/gateway.tokens';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, attachPrincipal, hasScope, principalOf } from './principal';

/** Extracts the token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/**
 * Global guard: every route not marked public needs a configured API key, and the
 * scope the route names. The token is compared by hash in constant time (findApiKey).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new FleetSignError(ErrorCode.Unauthenticated, 'Missing Authorization header (expected "Bearer <token>")');
    }
    const token = bearerToken(header);
    const key = token === undefined ? undefined : findApiKey(this.fleet, token);
    if (!key) throw new FleetSignError(ErrorCode.Unauthenticated, 'Invalid API token');

    const principal = principalOf(key);
    const scope = this.reflector.getAllAndOverride<ApiScope | undefined>(REQUIRED_SCOPE, targets);
    if (scope && !hasScope(principal, scope)) {
      throw new FleetSignError(ErrorCode.Forbidden, `This API key lacks the "${scope}" scope`, { scope });
    }
    attachPrincipal(request, principal);
    return true;
  }
}
