// Just enough DER to read an EC private scalar, unwrap CKA_EC_POINT and build an EC
// SubjectPublicKeyInfo; node:crypto has no API for these three.

/** One DER element: its tag and where its contents sit in the buffer. */
export interface DerElement {
  tag: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the last content byte. */
  end: number;
}

/** Reads the DER element starting at `offset`; throws RangeError when it does not fit. */
export function readDer(buf: Buffer, offset = 0): DerElement {
  if (offset + 2 > buf.length) throw new RangeError('DER element truncated');
  const tag = buf[offset];
  let length = buf[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > buf.length) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i];
    start += count;
  }
  const end = start + length;
  if (end > buf.length) throw new RangeError('DER element truncated');
  return { tag, start, end };
}

/** Encodes one DER element. */
export function encodeDer(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let header: Buffer;
  if (n < 0x80) header = Buffer.from([tag, n]);
  else if (n < 0x100) header = Buffer.from([tag, 0x81, n]);
  else header = Buffer.from([tag, 0x82, n >> 8, n & 0xff]);
  return Buffer.concat([header, content]);
}

const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');

/** SubjectPublicKeyInfo DER of an EC public key (`point` uncompressed, 04||X||Y). */
export function ecSpkiDer(curveOidDer: Buffer, point: Buffer): Buffer {
  const algorithm = encodeDer(0x30, Buffer.concat([EC_PUBLIC_KEY_OID, curveOidDer]));
  const bitString = encodeDer(0x03, Buffer.concat([Buffer.from([0]), point]));
  return encodeDer(0x30, Buffer.concat([algorithm, bitString]));
}

/** The private scalar (OCTET STRING) of a SEC1 ECPrivateKey DER. */
export function sec1PrivateScalar(sec1: Buffer): Buffer {
  const seq = readDer(sec1);
  if (seq.tag !== 0x30) throw new RangeError('SEC1 key is not a SEQUENCE');
  const version = readDer(sec1, seq.start);
  const scalar = readDer(sec1, version.end);
  if (version.tag !== 0x02 || scalar.tag !== 0x04) throw new RangeError('malformed SEC1 key');
  return sec1.subarray(scalar.start, scalar.end);
}
