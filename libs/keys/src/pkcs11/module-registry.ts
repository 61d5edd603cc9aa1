import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { hasPkcs11Code, toFleetSignError } from './pkcs11-errors';

// A PKCS#11 library may be initialised once per process: every signer using the same
// library shares one PKCS11 instance, initialised with OS locking (without it, parallel
// C_Sign calls on two sessions crash SoftHSM2) and finalised when the last user leaves.

interface LoadedModule {
  pkcs11: pkcs11js.PKCS11;
  users: number;
  /** False when someone else in the process had initialised it: then we must not finalise it. */
  initializedHere: boolean;
  /** Token operations running now, on any session of any user. */
  inFlight: number;
  /** When the module was last re-initialised (ms since epoch). */
  recoveredAt: number;
}

/** Least time between two re-initialisations of one module. */
export const PKCS11_RECOVERY_INTERVAL_MS = 2_000;

const modules = new Map<string, LoadedModule>();

/** One user's handle on a loaded, initialised PKCS#11 module. */
export interface Pkcs11ModuleHandle {
  /** Canonical path of the library. */
  readonly path: string;
  readonly pkcs11: pkcs11js.PKCS11;
  /** Drops this user; the last one finalises and unloads the library. Idempotent. */
  release(): void;
  /** Runs one token operation, counted so that `recover` never finalises under it. */
  track<T>(operation: () => Promise<T>): Promise<T>;
  /**
   * Re-initialises the library (C_Finalize + C_Initialize) after its token went away,
   * so it looks for the token afresh: SoftHSM2, for one, never sees a token folder that
   * was moved away and back until then. Every session of every user becomes invalid;
   * the session pools reconnect on their next operation. Skipped (false) while an
   * operation runs or when it was done less than PKCS11_RECOVERY_INTERVAL_MS ago.
   */
  recover(): boolean;
}

function canonicalPath(modulePath: string): string {
  try {
    return realpathSync(resolve(modulePath));
  } catch {
    throw new FleetSignError(ErrorCode.HsmUnavailable, `PKCS#11 module not found: ${modulePath}`, { modulePath });
  }
}

function load(path: string): LoadedModule {
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch (err) {
    throw new FleetSignError(ErrorCode.HsmUnavailable, `cannot load PKCS#11 module ${path}: ${(err as Error).message}`, { modulePath: path }, { cause: err });
  }
  let initializedHere = true;
  try {
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (!hasPkcs11Code(err, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      pkcs11.close();
      throw toFleetSignError(err, `PKCS#11 module ${path}`);
    }
    initializedHere = false;
  }
  return { pkcs11, users: 0, initializedHere, inFlight: 0, recoveredAt: 0 };
}

/** Loads and initialises the PKCS#11 library at `modulePath`, or shares the one already loaded. */
export function acquirePkcs11Module(modulePath: string): Pkcs11ModuleHandle {
  const path = canonicalPath(modulePath);
  let entry = modules.get(path);
  if (!entry) {
    entry = load(path);
    modules.set(path, entry);
  }
  entry.users++;
  const loaded = entry;
  let released = false;
  return {
    path,
    pkcs11: loaded.pkcs11,
    release(): void {
      if (released) return;
      released = true;
      loaded.users--;
      if (loaded.users > 0) return;
      modules.delete(path);
      try {
        if (loaded.initializedHere) loaded.pkcs11.C_Finalize();
      } catch {
        // Finalising a library that lost its token still has to unload it.
      }
      loaded.pkcs11.close();
    },
    async track<T>(operation: () => Promise<T>): Promise<T> {
      loaded.inFlight++;
      try {
        return await operation();
      } finally {
        loaded.inFlight--;
      }
    },
    recover(): boolean {
      const now = Date.now();
      if (released || !loaded.initializedHere || loaded.inFlight > 0 || now - loaded.recoveredAt < PKCS11_RECOVERY_INTERVAL_MS) return false;
      loaded.recoveredAt = now;
      // Synchronous, with nothing in flight: no native call can run between the two.
      try {
        loaded.pkcs11.C_Finalize();
      } catch {
        // A library that lost its token may refuse to finalise cleanly; initialise anyway.
      }
      try {
        loaded.pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
      } catch (err) {
        if (!hasPkcs11Code(err, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) return false;
      }
      return true;
    },
  };
}
