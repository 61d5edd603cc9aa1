import { createHash, type KeyObject, verify } from 'node:crypto';

// C2SP signed-note (c2sp.org/signed-note) with signature type 0x02: ECDSA as the
// transparency-dev witness implements it (ASN.1 DER signature over SHA-256 of the note
// text; key ID = first 4 bytes of SHA-256 of the DER SubjectPublicKeyInfo).

/** Signs a SHA-256 digest with an ECDSA key, returning r || s (the libs/keys KeySigner contract). */
export interface NoteSigner {
  /** The key name on the signature line (for a checkpoint: the log's origin). */
  readonly name: string;
  readonly publicKey: KeyObject;
  sign(digest: Buffer): Promise<Buffer>;
}

/** A public key a verifier trusts, under its key name. */
export interface NoteVerifier {
  readonly name: string;
  readonly publicKey: KeyObject;
}

const EM_DASH_PREFIX = '\u2014 ';
/** Most signature lines read from one note. */
const MAX_SIGNATURES = 16;

/** The 4-byte key ID of an ECDSA note key. */
export function noteKeyId(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ec') throw new Error('signed-note keys here are ECDSA (P-256, P-384 or P-521)');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(spki).digest().subarray(0, 4);
}

function checkKeyName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) throw new Error(`bad note key name '${name}': non-empty, no spaces, no '+'`);
}

/** Appends a signature line to `text` (which must end in a newline) and returns the signed note. */
export async function signNote(text: string, signer: NoteSigner): Promise<string> {
  checkKeyName(signer.name);
  if (!text.endsWith('\n')) throw new Error('note text must end with a newline');
  if ([...text].some((ch) => ch < ' ' && ch !== '\n')) throw new Error('note text must not hold control characters');
  const raw = await signer.sign(createHash('sha256').update(text, 'utf8').digest());
  const signature = Buffer.concat([noteKeyId(signer.publicKey), rawEcdsaToDer(raw)]);
  return `${text}\n${EM_DASH_PREFIX}${signer.name} ${signature.toString('base64')}\n`;
}

/** A note whose text carries a valid signature of the verifier's key. */
export interface OpenedNote {
  text: string;
}

/**
 * Checks a signed note against a trusted key and returns its text. Throws Error when the
 * note is malformed, when no signature line is the trusted key's, or when that one fails.
 */
export function openNote(note: string, verifier: NoteVerifier): OpenedNote {
  if (!note.endsWith('\n')) throw new Error('signed note does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('signed note has no signature block');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new Error('signed note has too many signatures');
  const keyId = noteKeyId(verifier.publicKey);
  for (const line of lines) {
    if (!line.startsWith(EM_DASH_PREFIX)) throw new Error('malformed signature line in note');
    const [name, encoded, ...rest] = line.slice(EM_DASH_PREFIX.length).split(' ');
    if (!name || !encoded || rest.length > 0) throw new Error('malformed signature line in note');
    const signature = Buffer.from(encoded, 'base64');
    if (signature.toString('base64') !== encoded || signature.length < 5) throw new Error('malformed signature in note');
    if (name !== verifier.name || !signature.subarray(0, 4).equals(keyId)) continue;
    const valid = verify('sha256', Buffer.from(text, 'utf8'), { key: verifier.publicKey, dsaEncoding: 'der' }, signature.subarray(4));
    if (!valid) throw new Error(`note signature by ${name} does not verify`);
    return { text };
  }
  throw new Error(`note is not signed by ${verifier.name}`);
}

/** Encodes r || s (two equal halves) as the DER SEQUENCE { INTEGER r, INTEGER s }. */
export function rawEcdsaToDer(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new Error('ECDSA signature is not r || s');
  const half = raw.length / 2;
  const body = Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]);
  return Buffer.concat([derHeader(0x30, body.length), body]);
}

function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let value = bytes.subarray(start);
  if (value[0] & 0x80) value = Buffer.concat([Buffer.from([0]), value]);
  return Buffer.concat([derHeader(0x02, value.length), value]);
}

function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  if (length < 0x100) return Buffer.from([tag, 0x81, length]);
  return Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
}
