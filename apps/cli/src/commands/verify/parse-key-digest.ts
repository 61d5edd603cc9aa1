import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/**
 * Parses an eFuse key digest given on the command line: 64 hex digits (SHA-256), or 32 for
 * ESP32-C2 which burns only the first half. Spaces and colons between bytes are allowed,
 * so the output of signature-info-v2 can be pasted as is.
 */
export function parseKeyDigestHex(text: string): Buffer {
  const hex = text.replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || (hex.length !== 64 && hex.length !== 32))
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `--efuse-digest "${text}" is not a key digest: expected 64 hex digits (32 for ESP32-C2)`,
    );
  return Buffer.from(hex, 'hex');
}
