import type { FleetSignConfig } from '@fleetsign/config';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Cookie that carries a console session to the queue dashboard (pages a bearer header cannot reach). */
export const CONSOLE_SESSION_COOKIE = 'fleetsign_console';
/** Where the queue dashboard lives; the session cookie is sent there only. */
export const QUEUE_DASHBOARD_PATH = '/console/queues';
/** A session lasts an hour; logging in again makes a new one. */
export const CONSOLE_SESSION_TTL_SEC = 3600;

/** True for keys allowed on the console: `operator` or `admin` scope. */
export function isOperatorKey(scopes: readonly string[]): boolean {
  return scopes.includes('operator') || scopes.includes('admin');
}

/**
 * Short-lived console sessions: an opaque random id in an HttpOnly, SameSite=Strict
 * cookie scoped to the dashboard path; Redis keeps only its SHA-256 and the API key id,
 * and every request re-checks that the key still exists with an operator scope.
 */
export class ConsoleSessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly fleet: FleetSignConfig,
  ) {}

  private keyOf(sessionId: string): string {
    return `${this.prefix}:console-session:${createHash('sha256').update(sessionId).digest('hex')}`;
  }

  /** Opens a session for an API key id; returns the cookie value. */
  async open(apiKeyId: string): Promise<string> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.redis.set(this.keyOf(sessionId), apiKeyId, 'EX', CONSOLE_SESSION_TTL_SEC);
    return sessionId;
  }

  /** True when the cookie header carries a live session of a key that may still use the console. */
  async isValid(cookieHeader: string | undefined): Promise<boolean> {
    const sessionId = cookieValue(cookieHeader, CONSOLE_SESSION_COOKIE);
    if (!sessionId || sessionId.length > 100) return false;
    const keyId = await this.redis.get(this.keyOf(sessionId));
    const key = keyId ? this.fleet.apiKeys.find((candidate) => candidate.id === keyId) : undefined;
    return key !== undefined && isOperatorKey(key.scopes);
  }

  /** The Set-Cookie header of a session (Secure when the gateway is reached over https). */
  static setCookie(sessionId: string, secure: boolean): string {
    return (
      `${CONSOLE_SESSION_COOKIE}=${sessionId}; Path=${QUEUE_DASHBOARD_PATH}; Max-Age=${CONSOLE_SESSION_TTL_SEC}; ` +
      `HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
    );
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
