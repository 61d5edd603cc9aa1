import { endianness } from 'node:os';
import type { PKCS11 } from 'pkcs11js';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** A token present in a slot. */
export interface TokenSlot {
  /** The slot handle pkcs11js passes to C_OpenSession. */
  handle: Buffer;
  slotId: number;
  /** Token label without its blank padding. */
  label: string;
}

/** A CK_ULONG as pkcs11js returns it (native byte order, 4 or 8 bytes) as a number. */
export function readUlong(buf: Buffer): number {
  const le = endianness() === 'LE';
  if (buf.length === 8) return Number(le ? buf.readBigUInt64LE() : buf.readBigUInt64BE());
  if (buf.length === 4) return le ? buf.readUInt32LE() : buf.readUInt32BE();
  throw new RangeError(`unexpected CK_ULONG size ${buf.length}`);
}

/** Every slot with a token in it, with its token label. */
export function listTokenSlots(pkcs11: PKCS11): TokenSlot[] {
  return pkcs11.C_GetSlotList(true).map((handle) => {
    let label = '';
    try {
      label = pkcs11.C_GetTokenInfo(handle).label.replace(/[\s\0]+$/, '');
    } catch {
      // A slot whose token cannot be read is still listed, without a label.
    }
    return { handle, slotId: readUlong(handle), label };
  });
}

function describeTokens(tokens: TokenSlot[]): string {
  if (tokens.length === 0) return 'no tokens present';
  return 'tokens present: ' + tokens.map((t) => `'${t.label}' (slot ${t.slotId})`).join(', ');
}

/**
 * The slot named by id and/or token label (both must match when both are given).
 * Never falls back to another slot: a miss is HsmUnavailable listing the tokens present.
 */
export function selectTokenSlot(pkcs11: PKCS11, wanted: { slot?: number; tokenLabel?: string }): TokenSlot {
  const tokens = listTokenSlots(pkcs11);
  const present = tokens.map((t) => ({ slotId: t.slotId, label: t.label }));
  if (wanted.slot === undefined && wanted.tokenLabel === undefined) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: name a slot or a token label; ${describeTokens(tokens)}`, { tokens: present });
  }
  if (wanted.slot !== undefined) {
    const bySlot = tokens.find((t) => t.slotId === wanted.slot);
    if (!bySlot) {
      throw new FleetSignError(ErrorCode.HsmUnavailable, `PKCS#11: no token in slot ${wanted.slot}; ${describeTokens(tokens)}`, { slot: wanted.slot, tokens: present });
    }
    if (wanted.tokenLabel !== undefined && bySlot.label !== wanted.tokenLabel) {
      throw new FleetSignError(
        ErrorCode.HsmUnavailable,
        `PKCS#11: slot ${wanted.slot} holds token '${bySlot.label}', not '${wanted.tokenLabel}'`,
        { slot: wanted.slot, tokenLabel: wanted.tokenLabel, tokens: present },
      );
    }
    return bySlot;
  }
  const byLabel = tokens.filter((t) => t.label === wanted.tokenLabel);
  if (byLabel.length === 0) {
    throw new FleetSignError(ErrorCode.HsmUnavailable, `PKCS#11: no token labelled '${wanted.tokenLabel}'; ${describeTokens(tokens)}`, { tokenLabel: wanted.tokenLabel, tokens: present });
  }
  if (byLabel.length > 1) {
    throw new FleetSignError(
      ErrorCode.InvalidConfig,
      `PKCS#11: ${byLabel.length} tokens are labelled '${wanted.tokenLabel}' (slots ${byLabel.map((t) => t.slotId).join(', ')}); name the slot`,
      { tokenLabel: wanted.tokenLabel, tokens: present },
    );
  }
  return byLabel[0];
}
