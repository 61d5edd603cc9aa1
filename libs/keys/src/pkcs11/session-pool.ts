import * as pkcs11js from 'pkcs11js';
import { needsReconnect } from './pkcs11-errors';
import { loginUser } from './token-login';

/** Options of a Pkcs11SessionPool. */
export interface Pkcs11SessionPoolOptions {
  pkcs11: pkcs11js.PKCS11;
  /** Slot handle of the token. */
  slot: Buffer;
  /** User PIN, kept to log in again after a reconnect. */
  pin: string;
  /** Sessions at most, i.e. operations in flight at once. */
  size: number;
  /** Names the key or token in error messages (never holds the PIN). */
  description?: string;
  /**
   * Runs on a fresh session after the pool reconnected (object handles may have changed):
   * re-find keys here. Throwing fails the current operation; it is tried again next time.
   */
  onReconnect?: (session: Buffer) => void;
}

/** Counters of a pool, for health checks and tests. */
export interface Pkcs11SessionPoolStats {
  size: number;
  open: number;
  idle: number;
  busy: number;
  waiting: number;
  /** Most operations ever in flight at once. */
  maxBusy: number;
  reconnects: number;
}

interface PooledSession {
  handle: Buffer;
  generation: number;
}

type Waiter = (session: PooledSession | undefined) => void;

/**
 * Up to `size` logged-in sessions on one token, one operation in flight per session
 * (PKCS#11 allows one active operation per session). Sessions stay open for the pool's
 * life, so the token stays logged in and object handles stay valid. When the token drops
 * the sessions or the login (closed sessions, token removed, logged out, stale handles)
 * the pool opens new sessions, logs in again, lets the owner re-find its keys, and
 * retries the operation once.
 */
export class Pkcs11SessionPool {
  private readonly pkcs11: pkcs11js.PKCS11;
  private readonly slot: Buffer;
  private readonly pin: string;
  private readonly size: number;
  private readonly description: string;
  private readonly onReconnect?: (session: Buffer) => void;

  /** Bumped on every reconnect; sessions of older generations are closed when released. */
  private generation = 0;
  private readonly idle: PooledSession[] = [];
  private readonly waiters: Waiter[] = [];
  /** Open sessions of the current generation (idle + busy). */
  private openCount = 0;
  private busyCount = 0;
  private maxBusy = 0;
  private reconnects = 0;
  private needsRefind = false;
  private closed = false;
  /** Operations accepted and not finished (running or queued); close waits for them. */
  private active = 0;
  private drained?: () => void;

  constructor(options: Pkcs11SessionPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('session pool size must be a positive integer');
    this.pkcs11 = options.pkcs11;
    this.slot = options.slot;
    this.pin = options.pin;
    this.size = options.size;
    this.description = options.description ?? 'PKCS#11 token';
    this.onReconnect = options.onReconnect;
  }

  /** Opens the first session and logs in, so a wrong PIN or missing token shows at once. */
  start(): void {
    this.idle.push(this.openSession());
  }

  /** Runs `operation` on a session of its own; reconnects and retries once when the token lost it. */
  async run<T>(operation: (session: Buffer) => Promise<T> | T): Promise<T> {
    this.admit();
    try {
      try {
        return await this.runOnce(operation);
      } catch (err) {
        if (!needsReconnect(err)) throw err;
      }
      return await this.runOnce(operation);
    } finally {
      this.finish();
    }
  }

  /** Runs `fn` on a session of its own, without reconnect handling (for setup and tests). */
  async withSession<T>(fn: (session: Buffer) => Promise<T> | T): Promise<T> {
    this.admit();
    try {
      const session = await this.acquire();
      let healthy = true;
      try {
        return await fn(session.handle);
      } catch (err) {
        healthy = !(err instanceof Error && err.name === 'Pkcs11Error');
        throw err;
      } finally {
        this.release(session, healthy);
      }
    } finally {
      this.finish();
    }
  }

  /** Current counters of the pool. */
  stats(): Pkcs11SessionPoolStats {
    return {
      size: this.size,
      open: this.openCount,
      idle: this.idle.length,
      busy: this.busyCount,
      waiting: this.waiters.length,
      maxBusy: this.maxBusy,
      reconnects: this.reconnects,
    };
  }

  /**
   * Stops taking operations, lets those already accepted (running or queued) finish,
   * then closes this pool's sessions (only its own: other pools on the same token keep
   * theirs and the login).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    for (const session of this.idle.splice(0)) this.closeQuietly(session);
    this.openCount = 0;
  }

  private admit(): void {
    if (this.closed) throw new Error('PKCS#11 session pool is closed');
    this.active++;
  }

  private finish(): void {
    this.active--;
    if (this.closed && this.active === 0) this.drained?.();
  }

  private async runOnce<T>(operation: (session: Buffer) => Promise<T> | T): Promise<T> {
    const session = await this.acquire();
    let healthy = true;
    try {
      if (this.needsRefind) {
        this.onReconnect?.(session.handle);
        this.needsRefind = false;
      }
      return await operation(session.handle);
    } catch (err) {
      if (needsReconnect(err)) {
        this.reconnect(session.generation);
        healthy = false;
      } else if (err instanceof Error && err.name === 'Pkcs11Error') {
        // The session may hold a half-done operation: replace it rather than reuse it.
        healthy = false;
      }
      throw err;
    } finally {
      this.release(session, healthy);
    }
  }

  private async acquire(): Promise<PooledSession> {
    for (;;) {
      const session = this.idle.pop() ?? (this.openCount < this.size ? this.openSession() : undefined);
      if (session) {
        this.busyCount++;
        this.maxBusy = Math.max(this.maxBusy, this.busyCount);
        return session;
      }
      // A released session is handed over still counted as busy; undefined means "look again".
      const handedOver = await this.nextFree();
      if (handedOver) return handedOver;
    }
  }

  private nextFree(): Promise<PooledSession | undefined> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(session: PooledSession, healthy: boolean): void {
    if (session.generation === this.generation && healthy) {
      const waiter = this.waiters.shift();
      if (waiter) {
        // Straight to the longest waiter, so nobody overtakes a waiting caller.
        waiter(session);
        return;
      }
    }
    this.busyCount--;
    if (session.generation !== this.generation) this.closeQuietly(session);
    else if (healthy) this.idle.push(session);
    else this.discard(session);
  }

  /** Closes a current-generation session, keeping at least one open so the login survives. */
  private discard(session: PooledSession): void {
    if (this.openCount === 1) {
      try {
        this.idle.push(this.openSession());
      } catch {
        // Keep the doubtful session rather than lose the login; a reconnect sorts it out.
        // It is idle again, so the longest waiter must look again: left asleep, every
        // caller could be waiting beside an idle session (all jobs stuck while the token
        // is away and after it is back).
        this.idle.push(session);
        this.waiters.shift()?.(undefined);
        return;
      }
    }
    this.openCount--;
    this.closeQuietly(session);
    this.waiters.shift()?.(undefined);
  }

  private openSession(): PooledSession {
    const handle = this.pkcs11.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      loginUser(this.pkcs11, handle, this.slot, this.pin, this.description);
    } catch (err) {
      try {
        this.pkcs11.C_CloseSession(handle);
      } catch {
        // The login failure is the error worth reporting.
      }
      throw err;
    }
    this.openCount++;
    return { handle, generation: this.generation };
  }

  /** Drops every session of the failed generation; the next acquire opens and logs in afresh. */
  private reconnect(failedGeneration: number): void {
    if (failedGeneration !== this.generation) return; // another operation already reconnected
    this.generation++;
    this.reconnects++;
    this.needsRefind = true;
    for (const session of this.idle.splice(0)) this.closeQuietly(session);
    this.openCount = 0;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private closeQuietly(session: PooledSession): void {
    try {
      this.pkcs11.C_CloseSession(session.handle);
    } catch {
      // Already gone (closed by the token or by a reconnect).
    }
  }
}
