import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { algorithmOfKey } from '../key-algorithm';

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
/**
 * `openssl ecparam -genkey` without `-noout` writes the curve's parameters before the
 * key; espsecure (and OpenSSL) skip that block, so the key's label is the first other one.
 */
const EC_PARAMETERS = 'EC PARAMETERS';

/** The label of the first PEM block that is not EC PARAMETERS ('EC PRIVATE KEY', 'PUBLIC KEY', ...), or throws UnsupportedKey. */
function pemLabel(text: string): string {
  const labels = [...text.matchAll(PEM_BEGIN)].map((match) => match[1]);
  if (labels.length === 0) {
    throw new FleetSignError(ErrorCode.UnsupportedKey, 'key file is not PEM (no -----BEGIN ...----- line)');
  }
  return labels.find((label) => label !== EC_PARAMETERS) ?? labels[0];
}

function asText(pem: string | Buffer): string {
  return Buffer.isBuffer(pem) ? pem.toString('latin1') : pem;
}

function rejectEncrypted(label: string, text: string): void {
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      'encrypted PEM keys are not supported; store the key unencrypted or in an HSM',
    );
  }
}

/**
 * Loads a PEM private key (PKCS#1 'RSA PRIVATE KEY', SEC1 'EC PRIVATE KEY' or PKCS#8
 * 'PRIVATE KEY'); it must be RSA-3072 or EC P-192/P-256/P-384, else UnsupportedKey.
 */
export function loadPrivateKeyPem(pem: string | Buffer): KeyObject {
  return readPemKey(pem, 'private', createPrivateKey);
}

/**
 * Loads a PEM public key (SubjectPublicKeyInfo 'PUBLIC KEY' or PKCS#1 'RSA PUBLIC KEY'),
 * or the public half of a PEM private key; same algorithm rules as loadPrivateKeyPem.
 */
export function loadPublicKeyPem(pem: string | Buffer): KeyObject {
  return readPemKey(pem, 'public', createPublicKey);
}

/** Reads the key of a PEM file with node:crypto; a supported algorithm or UnsupportedKey. */
function readPemKey(
  pem: string | Buffer,
  wanted: 'private' | 'public',
  create: (input: { key: string; format: 'pem' }) => KeyObject,
): KeyObject {
  const text = asText(pem);
  const label = pemLabel(text);
  rejectEncrypted(label, text);
  if (wanted === 'private' && !label.includes('PRIVATE KEY')) {
    throw new FleetSignError(ErrorCode.UnsupportedKey, `PEM holds a ${label}, not a private key`, {
      pemLabel: label,
    });
  }
  let key: KeyObject;
  try {
    key = create({ key: text, format: 'pem' });
  } catch (err) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `cannot read PEM ${label}: ${(err as Error).message}`,
      { pemLabel: label },
      { cause: err },
    );
  }
  algorithmOfKey(key);
  return key;
}
