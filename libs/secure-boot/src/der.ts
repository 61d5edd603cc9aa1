// Just enough ASN.1 DER for the structures Secure Boot tooling exchanges:
// ECDSA-Sig-Value SEQUENCE{r,s}, EC SubjectPublicKeyInfo, SEC1 private keys and
// PKCS#11's CKA_EC_POINT; node:crypto has no API for these. The one DER module of
// FleetSign: libs/keys imports it from here.

/** One DER element: its tag byte, its content and the offset just after it. */
export interface DerElement {
  tag: number;
  content: Buffer;
  end: number;
}

export const DER_INTEGER = 0x02;
export const DER_BIT_STRING = 0x03;
export const DER_OCTET_STRING = 0x04;
export const DER_OID = 0x06;
export const DER_SEQUENCE = 0x30;

/** Encodes one element with a definite, minimal length. */
export function derEncode(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) {
    header = Buffer.from([tag, len]);
  } else {
    const hex = len.toString(16);
    const lenBytes = Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex');
    header = Buffer.concat([Buffer.from([tag, 0x80 | lenBytes.length]), lenBytes]);
  }
  return Buffer.concat([header, content]);
}

/**
 * Reads the element at `offset`; returns undefined for anything that is not
 * strict DER (indefinite or non-minimal length, running past the buffer).
 */
export function readDerElement(buf: Buffer, offset: number): DerElement | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset];
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 3 || pos + count > buf.length || buf[pos] === 0) return undefined;
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + buf[pos + i];
    pos += count;
    if (len < 0x80) return undefined;
  }
  if (pos + len > buf.length) return undefined;
  return { tag, content: buf.subarray(pos, pos + len), end: pos + len };
}

/** Encodes a non-negative integer from its big-endian magnitude (minimal, with a 00 sign byte when needed). */
export function derEncodeUnsignedInteger(magnitudeBE: Buffer): Buffer {
  let start = 0;
  while (start < magnitudeBE.length - 1 && magnitudeBE[start] === 0) start++;
  let body = magnitudeBE.subarray(start);
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return derEncode(DER_INTEGER, body);
}

/**
 * The big-endian magnitude of a DER INTEGER's content, or undefined when it is
 * negative or not minimally encoded.
 */
export function derUnsignedIntegerValue(content: Buffer): Buffer | undefined {
  if (content.length === 0 || content[0] & 0x80) return undefined;
  if (content.length > 1 && content[0] === 0 && !(content[1] & 0x80)) return undefined;
  return content[0] === 0 && content.length > 1 ? content.subarray(1) : content;
}

/** The id-ecPublicKey OBJECT IDENTIFIER body (1.2.840.10045.2.1). */
const EC_PUBLIC_KEY_OID = Buffer.from('2a8648ce3d0201', 'hex');

/**
 * SubjectPublicKeyInfo DER of an EC public key: `curveOid` is the body of the
 * named-curve OBJECT IDENTIFIER, `point` the uncompressed point 04‖X‖Y.
 */
export function ecSpkiDer(curveOid: Buffer, point: Buffer): Buffer {
  const algorithm = derEncode(
    DER_SEQUENCE,
    Buffer.concat([derEncode(DER_OID, EC_PUBLIC_KEY_OID), derEncode(DER_OID, curveOid)]),
  );
  return derEncode(
    DER_SEQUENCE,
    Buffer.concat([algorithm, derEncode(DER_BIT_STRING, Buffer.concat([Buffer.from([0]), point]))]),
  );
}

/** The private scalar (the OCTET STRING after the version) of a SEC1 ECPrivateKey DER; throws RangeError when malformed. */
export function sec1PrivateScalar(sec1: Buffer): Buffer {
  const seq = readDerElement(sec1, 0);
  const version = seq?.tag === DER_SEQUENCE ? readDerElement(seq.content, 0) : undefined;
  const scalar = version?.tag === DER_INTEGER ? readDerElement(seq!.content, version.end) : undefined;
  if (scalar?.tag !== DER_OCTET_STRING) throw new RangeError('malformed SEC1 EC private key');
  return scalar.content;
}

/** The content of a DER OCTET STRING filling all of `buf` (e.g. CKA_EC_POINT), or undefined. */
export function derOctetString(buf: Buffer): Buffer | undefined {
  const element = readDerElement(buf, 0);
  return element?.tag === DER_OCTET_STRING && element.end === buf.length ? element.content : undefined;
}
