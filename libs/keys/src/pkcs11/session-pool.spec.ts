import type * as pkcs11js from 'pkcs11js';
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
