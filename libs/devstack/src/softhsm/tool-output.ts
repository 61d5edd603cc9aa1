// Parsers for the text softhsm2-util and OpenSC's pkcs11-tool print. Both formats
// have been stable for years; anything unrecognised is skipped rather than guessed.

/** One slot of `softhsm2-util --show-slots`. */
export interface SoftHsmSlot {
  slotId: number;
  initialized: boolean;
  /** Token label with the padding removed; undefined for an uninitialised token. */
  tokenLabel?: string;
}

/** Reads the slots listed by `softhsm2-util --show-slots`. */
export function parseSoftHsmSlots(text: string): SoftHsmSlot[] {
  const slots: SoftHsmSlot[] = [];
  let current: SoftHsmSlot | undefined;
  for (const line of text.split('\n')) {
    const slot = /^Slot (\d+)\s*$/.exec(line);
    if (slot) {
      current = { slotId: Number(slot[1]), initialized: false };
      slots.push(current);
      continue;
    }
    if (!current) continue;
    const initialized = /^\s+Initialized:\s*(yes|no)\s*$/.exec(line);
    if (initialized) current.initialized = initialized[1] === 'yes';
    const label = /^\s+Label:(.*)$/.exec(line);
    if (label) {
      const value = label[1].trim();
      current.tokenLabel = value || undefined;
    }
  }
  return slots;
}

/** One key object of `pkcs11-tool --list-objects`. */
export interface TokenKeyObject {
  kind: 'private' | 'public';
  /** 'RSA', 'EC', ... as pkcs11-tool names it. */
  keyType: string;
  /** Key size: RSA modulus bits, EC field bits (listed for public keys only). */
  bits?: number;
  label?: string;
  /** CKA_ID as lower-case hex. */
  id?: string;
}

/** Reads the private and public key objects listed by `pkcs11-tool --list-objects`; other objects are skipped. */
export function parsePkcs11Objects(text: string): TokenKeyObject[] {
  const objects: TokenKeyObject[] = [];
  let current: TokenKeyObject | undefined;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      // A new object starts at every unindented line, whatever its kind.
      const header = /^(Private|Public) Key Object;\s*(\S+)(?:\s+(?:EC_POINT\s+)?(\d+) bits)?/.exec(line);
      current = header
        ? {
            kind: header[1] === 'Private' ? 'private' : 'public',
            keyType: header[2],
            ...(header[3] ? { bits: Number(header[3]) } : {}),
          }
        : undefined;
      if (current) objects.push(current);
      continue;
    }
    if (!current) continue;
    const label = /^\s+label:\s*(.*?)\s*$/.exec(line);
    if (label) current.label = label[1];
    const id = /^\s+ID:\s*([0-9a-fA-F]+)\s*$/.exec(line);
    if (id) current.id = id[1].toLowerCase();
  }
  return objects;
}
