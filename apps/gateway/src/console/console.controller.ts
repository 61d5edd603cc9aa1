import { Controller, Get, Header, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal, PublicRoute, RequireScope } from '../auth/principal';
import { GatewaySettings } from '../core/gateway-settings';
import { ApiProblems } from '../docs/openapi-schema';
import { CONSOLE_CSP, CONSOLE_HTML, CONSOLE_JS } from './console-page';
import { CONSOLE_SESSION_TTL_SEC, ConsoleSessions, QUEUE_DASHBOARD_PATH } from './console-sessions';
import { type ConsoleOverview, type ConsoleSearchResult, ConsoleService } from './console.service';

const CONSOLE_PROBLEMS = { 401: [ErrorCode.Unauthenticated], 403: [ErrorCode.Forbidden] } as const;

/** The page and script of the operator console: static, public (they hold no data). */
@ApiTags('console')
@PublicRoute()
@Controller('console')
export class ConsolePageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CONSOLE_CSP)
  @Header('cache-control', 'no-store')
  @ApiExcludeEndpoint()
  page(): string {
    return CONSOLE_HTML;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiExcludeEndpoint()
  script(): string {
    return CONSOLE_JS;
  }
}

/** JSON routes the console page calls: every tenant, read-only, `operator` (or `admin`) scope. */
@ApiTags('console')
@ApiBearerAuth()
@Controller('v1/console')
export class ConsoleController {
  constructor(
    private readonly console: ConsoleService,
    @Inject(ConsoleSessions) private readonly sessions: ConsoleSessions,
    private readonly settings: GatewaySettings,
  ) {}

  @Post('session')
  @HttpCode(201)
  @RequireScope('operator')
  @ApiOperation({
    summary: 'Open a one-hour session for the queue dashboard (/console/queues)',
    description: 'Sets an HttpOnly, SameSite=Strict cookie scoped to the dashboard path; the API key itself is never stored in it.',
  })
  @ApiResponse({ status: 201, description: 'Session cookie set' })
  @ApiProblems(CONSOLE_PROBLEMS)
  async openSession(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ dashboard: string; expiresInSec: number }> {
    // The dashboard cookie re-checks an API key on every page; a CI token has no business there.
    if (principal.kind !== 'api_key') throw new FleetSignError(ErrorCode.Forbidden, 'Console sessions need an API key with the operator scope');
    const sessionId = await this.sessions.open(principal.name);
    const secure = this.settings.knownBaseUrl?.startsWith('https:') === true;
    reply.header('set-cookie', ConsoleSessions.setCookie(sessionId, secure));
    reply.header('cache-control', 'no-store');
    return { dashboard: QUEUE_DASHBOARD_PATH, expiresInSec: CONSOLE_SESSION_TTL_SEC };
  }

  @Get('overview')
  @RequireScope('operator')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Operator overview: queue depths, signers, throughput and failures by code, recent jobs and batches, profiles',
  })
  @ApiResponse({ status: 200, description: 'Overview (all tenants)' })
  @ApiProblems(CONSOLE_PROBLEMS)
  overview(): Promise<ConsoleOverview> {
    return this.console.overview();
  }

  @Get('search')
  @RequireScope('operator')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Find a job (job id), a batch and its failed items (batch id), or the jobs of an image SHA-256' })
  @ApiQuery({ name: 'q', description: 'job_…, batch_… or a 64-hex SHA-256' })
  @ApiResponse({ status: 200, description: 'Matches' })
  @ApiProblems({ 400: [ErrorCode.ValidationFailed], ...CONSOLE_PROBLEMS })
  search(@Query('q') q: unknown): Promise<ConsoleSearchResult> {
    if (typeof q !== 'string' || q.trim() === '' || q.length > 200) {
      throw new FleetSignError(ErrorCode.ValidationFailed, 'q must be a job id, a batch id or a SHA-256', {
        errors: [{ path: 'q', message: 'required, at most 200 characters' }],
      });
    }
    return this.console.search(q);
  }
}
