import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  DER_INTEGER,
  DER_SEQUENCE,
  derEncode,
  derEncodeUnsignedInteger,
  derUnsignedIntegerValue,
  readDerElement,
} from './der';

// ECDSA signatures travel in two forms: raw r‖s (fixed size, big-endian), which
// DigestSigner returns, and DER SEQUENCE{INTEGER r, INTEGER s}, which openssl and
// espsecure's pre-calculated-signature path use.

/** Converts a raw r‖s signature (two equal big-endian halves) to DER SEQUENCE{r, s}. */
export function rawEcdsaToDer(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `Raw ECDSA signature has odd length ${raw.length}`);
  }
  const half = raw.length / 2;
  return derEncode(
    DER_SEQUENCE,
    Buffer.concat([
      derEncodeUnsignedInteger(raw.subarray(0, half)),
      derEncodeUnsignedInteger(raw.subarray(half)),
    ]),
  );
}

/** Converts a DER SEQUENCE{r, s} signature to raw r‖s, each `fieldSize` bytes big-endian. */
export function derEcdsaToRaw(der: Buffer, fieldSize: number): Buffer {
  const fail = (why: string): never => {
    throw new FleetSignError(ErrorCode.InvalidArgument, `ECDSA signature is not DER SEQUENCE{r, s}: ${why}`);
  };
  const seq = readDerElement(der, 0);
  if (!seq || seq.tag !== DER_SEQUENCE) return fail('no SEQUENCE');
  if (seq.end !== der.length) return fail('trailing bytes');
  const r = readDerElement(seq.content, 0);
  const s = r && readDerElement(seq.content, r.end);
  if (!r || !s || r.tag !== DER_INTEGER || s.tag !== DER_INTEGER) return fail('expected two INTEGERs');
  if (s.end !== seq.content.length) return fail('extra elements');
  const out = Buffer.alloc(2 * fieldSize);
  [r, s].forEach((element, i) => {
    const magnitude = derUnsignedIntegerValue(element.content);
    if (!magnitude) return fail('negative or non-minimal INTEGER');
    if (magnitude.length > fieldSize) return fail(`INTEGER longer than ${fieldSize} bytes`);
    magnitude.copy(out, i * fieldSize + fieldSize - magnitude.length);
  });
  return out;
}
