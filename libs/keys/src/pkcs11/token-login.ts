import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { hasPkcs11Code } from './pkcs11-errors';

// PKCS#11 login is per process and token: once one pool is logged in, C_Login answers
// CKR_USER_ALREADY_LOGGED_IN whatever PIN another pool gives. To still refuse a wrong
// PIN, each successful login leaves a keyed hash of its PIN here (never the PIN), and a
// caller that finds the token logged in must present the same PIN.
const PIN_HASH_KEY = randomBytes(32);
const loggedInPins = new WeakMap<pkcs11js.PKCS11, Map<string, Buffer>>();

function pinHash(pin: string): Buffer {
  return createHmac('sha256', PIN_HASH_KEY).update(pin, 'utf8').digest();
}

/**
 * Logs the user in on `session`. An already logged-in token is accepted only with the
 * PIN that logged it in (when this process did), else HsmPinIncorrect; other failures
 * are thrown as the token reported them.
 */
export function loginUser(pkcs11: pkcs11js.PKCS11, session: Buffer, slot: Buffer, pin: string, description: string): void {
  let pins = loggedInPins.get(pkcs11);
  if (!pins) loggedInPins.set(pkcs11, (pins = new Map()));
  const slotKey = slot.toString('hex');
  const hash = pinHash(pin);
  try {
    pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
    pins.set(slotKey, hash);
  } catch (err) {
    if (!hasPkcs11Code(err, pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) throw err;
    const current = pins.get(slotKey);
    if (current && !timingSafeEqual(current, hash)) {
      throw new FleetSignError(ErrorCode.HsmPinIncorrect, `${description}: the token is already logged in with a different user PIN`, {
        pkcs11Code: pkcs11js.CKR_PIN_INCORRECT,
      });
    }
  }
}
