import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import * as pkcs11js from 'pkcs11js';
import { Pkcs11SessionPool } from './session-pool';

/** A token whose sessions open until `absent` is set (as when the token goes away). */
function fakeToken() {
  const token = { absent: false, opened: 0 };
  const pkcs11 = {
    C_OpenSession: () => {
      if (token.absent) throw Object.assign(new Error('CKR_TOKEN_NOT_PRESENT'), { name: 'Pkcs11Error', code: 0xe0 });
      token.opened++;
      return Buffer.from([token.opened]);
    },
    C_Login: () => undefined,
    C_CloseSession: () => undefined,
  } as unknown as pkcs11js.PKCS11;
  return { token, pkcs11 };
}

/** A PKCS#11 failure that spoils the session but needs no reconnect (CKR_FUNCTION_FAILED). */
const functionFailed = () => Object.assign(new Error('CKR_FUNCTION_FAILED'), { name: 'Pkcs11Error', code: 0x6 });

describe('Pkcs11SessionPool', () => {
  it('wakes a waiting caller when a spoiled session is kept because no new one opens', async () => {
    const { token, pkcs11 } = fakeToken();
    const pool = new Pkcs11SessionPool({ pkcs11, slot: Buffer.from([0]), pin: '1234', size: 1 });
    pool.start();
    let failFirst!: () => void;
    const first = pool.run(() => new Promise<string>((_, reject) => (failFirst = () => reject(functionFailed()))));
    const second = pool.run(() => 'signed');
    await new Promise(setImmediate);
    expect(pool.stats()).toMatchObject({ busy: 1, waiting: 1 });

    // The token goes away while the first operation fails: no replacement session opens.
    token.absent = true;
    failFirst();
    await expect(first).rejects.toThrow('CKR_FUNCTION_FAILED');
    // The kept session serves the waiting caller instead of leaving it asleep beside it.
    await expect(second).resolves.toBe('signed');
    expect(pool.stats()).toMatchObject({ busy: 0, waiting: 0, idle: 1 });
  });
});

describe('Pkcs11SessionPool after the module was re-initialised under it', () => {
  it('reconnects when re-finding the keys fails on a stale session, instead of reusing that session for good', async () => {
    const { pkcs11 } = fakeToken();
    // The second session the pool opens is made stale by a module re-initialisation
    // before the keys are re-found on it.
    const stale = new Set([Buffer.from([2]).toString('hex')]);
    const pool = new Pkcs11SessionPool({
      pkcs11,
      slot: Buffer.from([0]),
      pin: '1234',
      size: 1,
      onReconnect: (session) => {
        // What the key lookup throws: the PKCS#11 failure mapped to a FleetSignError.
        if (stale.has(session.toString('hex'))) {
          throw new FleetSignError(ErrorCode.HsmError, 'C_FindObjectsInit failed with CKR_SESSION_HANDLE_INVALID', {
            pkcs11Code: pkcs11js.CKR_SESSION_HANDLE_INVALID,
          });
        }
      },
    });
    pool.start();
    // The token dropped the session; the retry's re-find hits the stale session: this attempt fails (the job retries).
    await expect(
      pool.run(() => {
        throw Object.assign(new Error('CKR_SESSION_CLOSED'), { name: 'Pkcs11Error', code: pkcs11js.CKR_SESSION_CLOSED });
      }),
    ).rejects.toThrow('CKR_SESSION_HANDLE_INVALID');
    // The stale session is dropped, not kept: the next operations run on a fresh one.
    for (let i = 0; i < 3; i++) await expect(pool.run(() => 'signed')).resolves.toBe('signed');
    expect(pool.stats().reconnects).toBe(2);
  });
});
