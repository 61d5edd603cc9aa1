import * as pkcs11js from 'pkcs11js';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { needsReconnect, pkcs11CodeName, toFleetSignError } from './pkcs11-errors';

function pkcs11Error(code: number, method = 'C_Sign'): Error {
  return new pkcs11js.Pkcs11Error(pkcs11CodeName(code), code, method);
}

describe('toFleetSignError', () => {
  it.each([
    [pkcs11js.CKR_PIN_INCORRECT, ErrorCode.HsmPinIncorrect, 'the user PIN was refused (CKR_PIN_INCORRECT)'],
    [pkcs11js.CKR_PIN_LOCKED, ErrorCode.HsmPinIncorrect, 'the user PIN is locked (CKR_PIN_LOCKED)'],
    [pkcs11js.CKR_TOKEN_NOT_PRESENT, ErrorCode.HsmUnavailable, 'C_Sign failed with CKR_TOKEN_NOT_PRESENT'],
    [pkcs11js.CKR_DEVICE_REMOVED, ErrorCode.HsmUnavailable, 'C_Sign failed with CKR_DEVICE_REMOVED'],
    [pkcs11js.CKR_GENERAL_ERROR, ErrorCode.HsmError, 'C_Sign failed with CKR_GENERAL_ERROR'],
  ])('maps return code %d', (code, expected, message) => {
    const mapped = toFleetSignError(pkcs11Error(code), 'pkcs11:token=t;object=k');
    expect(mapped).toBeInstanceOf(FleetSignError);
    expect(mapped.code).toBe(expected);
    expect(mapped.message).toBe(`pkcs11:token=t;object=k: ${message}`);
    expect(mapped.details).toMatchObject({ pkcs11Code: code, pkcs11Name: pkcs11CodeName(code) });
  });

  it('passes FleetSignErrors through unchanged', () => {
    const original = new FleetSignError(ErrorCode.KeyNotFound, 'no key');
    expect(toFleetSignError(original, 'ctx')).toBe(original);
  });

  it('wraps other errors as HsmError', () => {
    expect(toFleetSignError(new Error('boom'), 'ctx')).toMatchObject({ code: ErrorCode.HsmError, message: 'ctx: boom' });
  });
});

describe('needsReconnect', () => {
  it.each([
    pkcs11js.CKR_SESSION_HANDLE_INVALID,
    pkcs11js.CKR_SESSION_CLOSED,
    pkcs11js.CKR_DEVICE_REMOVED,
    pkcs11js.CKR_TOKEN_NOT_PRESENT,
    pkcs11js.CKR_USER_NOT_LOGGED_IN,
    pkcs11js.CKR_OBJECT_HANDLE_INVALID,
    pkcs11js.CKR_KEY_HANDLE_INVALID,
  ])('reconnects after code %d', (code) => {
    expect(needsReconnect(pkcs11Error(code))).toBe(true);
  });

  it.each([pkcs11js.CKR_GENERAL_ERROR, pkcs11js.CKR_PIN_INCORRECT, pkcs11js.CKR_OPERATION_ACTIVE])('does not reconnect after code %d', (code) => {
    expect(needsReconnect(pkcs11Error(code))).toBe(false);
  });

  it('does not reconnect after non-PKCS#11 errors', () => {
    expect(needsReconnect(new FleetSignError(ErrorCode.InvalidDigest, 'x'))).toBe(false);
  });
});
