import { constants, createHash, randomBytes, verify } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { assertDigestLength, digestLengthFor } from '../key-algorithm';
import type { KeySigner } from '../key-signer';
import { acquirePkcs11Module, type Pkcs11ModuleHandle } from './module-registry';
import { toFleetSignError } from './pkcs11-errors';
import type { Pkcs11KeyRef } from './pkcs11-key-ref';
import { Pkcs11SessionPool, type Pkcs11SessionPoolStats } from './session-pool';
import { signDigestOnSession } from './sign-digest';
import { findPrivateKey, readPublicKey, type KeySelector, type TokenPrivateKey } from './token-keys';
import { selectTokenSlot, type TokenSlot } from './token-slot';

/** Sessions per signer when the key reference does not say. */
export const DEFAULT_PKCS11_SESSIONS = 4;
const MAX_PKCS11_SESSIONS = 64;

/** A KeySigner on a PKCS#11 token, with its pool's counters. */
export interface Pkcs11Signer extends KeySigner {
  readonly slotId: number;
  readonly tokenLabel: string;
  poolStats(): Pkcs11SessionPoolStats;
}

function validateRef(ref: Pkcs11KeyRef): number {
  if (!ref.modulePath) throw new FleetSignError(ErrorCode.InvalidConfig, 'PKCS#11: modulePath is required');
  if (ref.keyLabel === undefined && ref.keyId === undefined) throw new FleetSignError(ErrorCode.InvalidConfig, 'PKCS#11: name the key by keyLabel or keyId');
  if (ref.keyId !== undefined && !/^(?:[0-9a-fA-F]{2})+$/.test(ref.keyId)) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: keyId must be hex bytes, got '${ref.keyId}'`);
  }
  if (typeof ref.pin !== 'string') throw new FleetSignError(ErrorCode.InvalidConfig, 'PKCS#11: a user PIN is required');
  const sessions = ref.sessions ?? DEFAULT_PKCS11_SESSIONS;
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > MAX_PKCS11_SESSIONS) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: sessions must be an integer from 1 to ${MAX_PKCS11_SESSIONS}, got ${sessions}`);
  }
  return sessions;
}

/** RFC 7512-style name of the key; never carries the PIN. */
function describeKey(slot: TokenSlot, selector: KeySelector): string {
  const parts = [`token=${encodeURIComponent(slot.label)}`];
  if (selector.keyLabel !== undefined) parts.push(`object=${encodeURIComponent(selector.keyLabel)}`);
  if (selector.keyId !== undefined) parts.push(`id=${selector.keyId.toLowerCase().replace(/(..)/g, '%$1')}`);
  return `pkcs11:${parts.join(';')}`;
}

/**
 * Opens a signer on a PKCS#11 token key: loads the module (shared per process), picks
 * the slot by id and/or token label, logs in, finds the key by label and/or id, detects
 * its algorithm (RSA-3072, EC P-192/P-256/P-384), reads its public key and checks the
 * pair with one test signature.
 */
export async function openPkcs11Signer(ref: Pkcs11KeyRef): Promise<Pkcs11Signer> {
  const sessions = validateRef(ref);
  const selector: KeySelector = { keyLabel: ref.keyLabel, keyId: ref.keyId, publicKeyLabel: ref.publicKeyLabel };
  let context = `pkcs11:${ref.tokenLabel !== undefined ? `token=${encodeURIComponent(ref.tokenLabel)}` : `slot-id=${ref.slot}`}`;
  let module: Pkcs11ModuleHandle | undefined;
  let pool: Pkcs11SessionPool | undefined;
  try {
    module = acquirePkcs11Module(ref.modulePath);
    const pkcs11 = module.pkcs11;
    const slot = selectTokenSlot(pkcs11, { slot: ref.slot, tokenLabel: ref.tokenLabel });
    const description = describeKey(slot, selector);
    context = description;

    let key: TokenPrivateKey | undefined;
    const activePool = new Pkcs11SessionPool({
      pkcs11,
      slot: slot.handle,
      pin: ref.pin,
      size: sessions,
      description,
      onReconnect: (session) => {
        key = refindKey(() => findPrivateKey(pkcs11, session, selector, slot.label), description);
      },
    });
    pool = activePool;
    activePool.start();
    const found = await activePool.withSession((session) => {
      const privateKey = findPrivateKey(pkcs11, session, selector, slot.label);
      return { privateKey, publicKey: readPublicKey(pkcs11, session, selector, privateKey, slot.label) };
    });
    key = found.privateKey;
    const algorithm = found.privateKey.algorithm;
    const publicKey = found.publicKey;
    const ownModule = module;
    let closed = false;

    const signer: Pkcs11Signer = {
      algorithm,
      publicKey,
      description,
      slotId: slot.slotId,
      tokenLabel: slot.label,
      async sign(digest: Buffer): Promise<Buffer> {
        if (closed) throw new FleetSignError(ErrorCode.HsmUnavailable, `${description}: signer is closed`);
        assertDigestLength(algorithm, digest);
        try {
          return await ownModule.track(() => activePool.run((session) => signDigestOnSession(pkcs11, session, key!, algorithm, digest)));
        } catch (err) {
          const error = toFleetSignError(err, description);
          // The token went away (or broke): look for it afresh, so signing resumes by itself once it is back.
          if (error.code === ErrorCode.HsmUnavailable || error.code === ErrorCode.HsmError) ownModule.recover();
          throw error;
        }
      },
      poolStats: () => activePool.stats(),
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await activePool.close();
        ownModule.release();
      },
    };
    await selfTest(signer);
    return signer;
  } catch (err) {
    await pool?.close().catch(() => undefined);
    module?.release();
    throw toFleetSignError(err, context);
  }
}

/**
 * Finds the key again after a reconnect. It was on the token when the signer opened, so
 * not finding it now means the token's objects are away (token removed, its storage
 * gone): HsmUnavailable, retried, never the permanent KeyNotFound of a wrong label.
 */
function refindKey(find: () => TokenPrivateKey, description: string): TokenPrivateKey {
  try {
    return find();
  } catch (err) {
    const error = toFleetSignError(err, description);
    if (error.code !== ErrorCode.KeyNotFound) throw error;
    throw new FleetSignError(ErrorCode.HsmUnavailable, `${description}: the key is no longer visible on the token; the token is unavailable`, error.details, { cause: err });
  }
}

/** Signs a random digest and verifies it with the public key read from the token. */
async function selfTest(signer: KeySigner): Promise<void> {
  const hash = digestLengthFor(signer.algorithm) === 48 ? 'sha384' : 'sha256';
  const message = randomBytes(32);
  const signature = await signer.sign(createHash(hash).update(message).digest());
  const ok =
    signer.algorithm === 'rsa3072'
      ? verify('sha256', message, { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
      : verify(hash, message, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `${signer.description}: the public key on the token does not match the private key`);
  }
}
