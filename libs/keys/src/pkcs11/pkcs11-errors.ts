import * as pkcs11js from 'pkcs11js';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** Return codes after which the pool reopens its sessions, logs in again and retries once. */
export const RECONNECT_CODES: ReadonlySet<number> = new Set([
  pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_SESSION_CLOSED,
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_USER_NOT_LOGGED_IN,
  pkcs11js.CKR_OBJECT_HANDLE_INVALID,
  pkcs11js.CKR_KEY_HANDLE_INVALID,
]);

const PIN_CODES: ReadonlySet<number> = new Set([
  pkcs11js.CKR_PIN_INCORRECT,
  pkcs11js.CKR_PIN_INVALID,
  pkcs11js.CKR_PIN_LEN_RANGE,
  pkcs11js.CKR_PIN_EXPIRED,
  pkcs11js.CKR_PIN_LOCKED,
]);

const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_TOKEN_NOT_RECOGNIZED,
  pkcs11js.CKR_SLOT_ID_INVALID,
  pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED,
]);

const CODE_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(pkcs11js)) {
  if (name.startsWith('CKR_') && typeof value === 'number' && !CODE_NAMES.has(value)) CODE_NAMES.set(value, name);
}

/** A pkcs11js error (duck-typed: the class differs between module registries under Jest). */
export interface Pkcs11ErrorLike {
  name: 'Pkcs11Error';
  code: number;
  method?: string;
}

/** True when `err` is a PKCS#11 return-code error. */
export function isPkcs11Error(err: unknown): err is Pkcs11ErrorLike {
  return err instanceof Error && err.name === 'Pkcs11Error' && typeof (err as { code?: unknown }).code === 'number';
}

/** True when `err` has the given CKR_ code. */
export function hasPkcs11Code(err: unknown, code: number): boolean {
  return isPkcs11Error(err) && err.code === code;
}

/** The CKR_ name of a return code, e.g. 'CKR_PIN_INCORRECT'. */
export function pkcs11CodeName(code: number): string {
  return CODE_NAMES.get(code) ?? `CKR_0x${code.toString(16).toUpperCase()}`;
}

/** True when the pool should reconnect and retry after `err`. */
export function needsReconnect(err: unknown): boolean {
  if (isPkcs11Error(err)) return RECONNECT_CODES.has(err.code);
  // A PKCS#11 failure already mapped to a FleetSignError (e.g. re-finding the keys after a
  // module re-initialisation) keeps its return code: a stale session handle is still one.
  const code = err instanceof FleetSignError ? err.details?.pkcs11Code : undefined;
  return typeof code === 'number' && RECONNECT_CODES.has(code);
}

/**
 * Maps any error from a PKCS#11 call to a FleetSignError (FleetSignErrors pass through):
 * PIN errors -> HsmPinIncorrect, token gone -> HsmUnavailable, else HsmError; the
 * return code stays in `details.pkcs11Code`. Messages are built from codes only, so a
 * PIN can never leak into them.
 */
export function toFleetSignError(err: unknown, context: string): FleetSignError {
  if (err instanceof FleetSignError) return err;
  if (isPkcs11Error(err)) {
    const name = pkcs11CodeName(err.code);
    const details = { pkcs11Code: err.code, pkcs11Name: name, method: err.method || undefined, key: context };
    if (PIN_CODES.has(err.code)) {
      const why = err.code === pkcs11js.CKR_PIN_LOCKED ? 'the user PIN is locked' : 'the user PIN was refused';
      return new FleetSignError(ErrorCode.HsmPinIncorrect, `${context}: ${why} (${name})`, details);
    }
    const code = UNAVAILABLE_CODES.has(err.code) ? ErrorCode.HsmUnavailable : ErrorCode.HsmError;
    return new FleetSignError(code, `${context}: ${details.method ?? 'PKCS#11 call'} failed with ${name}`, details);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new FleetSignError(ErrorCode.HsmError, `${context}: ${message}`, { key: context });
}
