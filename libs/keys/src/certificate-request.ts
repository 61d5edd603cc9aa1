import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { DigestSigner, KeyAlgorithm } from '@fleetsign/secure-boot';
import { Pkcs10CertificateRequestGenerator } from '@peculiar/x509';

// A PKCS#10 certificate request for a key that never leaves its token: @peculiar/x509
// builds the request and hands the bytes to sign to a Web Crypto provider whose `sign`
// hashes them and asks the key's signer, so only a digest reaches the HSM.

type CreateParams = Parameters<typeof Pkcs10CertificateRequestGenerator.create>[0];
type X509Crypto = NonNullable<Parameters<typeof Pkcs10CertificateRequestGenerator.create>[1]>;
type TokenKey = CreateParams['keys']['privateKey'];
type Subtle = webcrypto.SubtleCrypto;

interface CsrAlgorithms {
  key: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  signing: CreateParams['signingAlgorithm'];
  hash: 'sha256' | 'sha384';
}

/** Secure Boot keys sign RSA-PSS (SHA-256, salt 32) or ECDSA (SHA-256; SHA-384 on P-384), as their CSRs do. */
function csrAlgorithms(algorithm: KeyAlgorithm): CsrAlgorithms {
  switch (algorithm) {
    case 'rsa3072':
      return { key: { name: 'RSA-PSS', hash: 'SHA-256' }, signing: { name: 'RSA-PSS', saltLength: 32, hash: 'SHA-256' }, hash: 'sha256' };
    case 'ecdsa-p256':
      return { key: { name: 'ECDSA', namedCurve: 'P-256' }, signing: { name: 'ECDSA', hash: 'SHA-256' }, hash: 'sha256' };
    case 'ecdsa-p384':
      return { key: { name: 'ECDSA', namedCurve: 'P-384' }, signing: { name: 'ECDSA', hash: 'SHA-384' }, hash: 'sha384' };
    default:
      throw new FleetSignError(ErrorCode.UnsupportedKey, `a certificate request cannot be made for a ${algorithm} key (X.509 tooling does not support the curve)`, { algorithm });
  }
}

/** A Web Crypto whose `sign` with `privateKey` is the token's signature over the digest of the data. */
function tokenCrypto(signer: DigestSigner, privateKey: TokenKey, hash: CsrAlgorithms['hash']): X509Crypto {
  const subtle: Subtle = webcrypto.subtle;
  const sign: Subtle['sign'] = async (algorithm, key, data) => {
    if ((key as unknown) !== privateKey) return subtle.sign(algorithm, key, data);
    const bytes = ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data as ArrayBuffer);
    const signature = await signer.sign(createHash(hash).update(bytes).digest());
    return new Uint8Array(signature).buffer;
  };
  const tokenSubtle = new Proxy(subtle, {
    get: (target, property) => {
      if (property === 'sign') return sign;
      const value: unknown = Reflect.get(target, property, target);
      // Web Crypto methods must be called on the real SubtleCrypto.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    subtle: tokenSubtle,
    getRandomValues: <T extends ArrayBufferView>(array: T): T => webcrypto.getRandomValues(array as never) as T,
    randomUUID: () => webcrypto.randomUUID(),
  } as unknown as X509Crypto;
}

/**
 * A PEM PKCS#10 request for `signer`'s key with `subject` (an RFC 4514 name such as
 * "CN=fw-release, O=Acme"), signed by the key itself.
 */
export async function createCertificateRequest(signer: DigestSigner, subject: string): Promise<string> {
  const algorithms = csrAlgorithms(signer.algorithm);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = (await webcrypto.subtle.importKey('spki', spki, algorithms.key, true, ['verify'])) as unknown as TokenKey;
  // Stands for the key on the token: it never leaves it; tokenCrypto recognises this object.
  const privateKey = { algorithm: algorithms.key, type: 'private', extractable: false, usages: ['sign'] } as unknown as TokenKey;
  let request;
  try {
    request = await Pkcs10CertificateRequestGenerator.create(
      { name: subject, keys: { publicKey, privateKey }, signingAlgorithm: algorithms.signing },
      tokenCrypto(signer, privateKey, algorithms.hash),
    );
  } catch (err) {
    if (err instanceof FleetSignError) throw err;
    throw new FleetSignError(ErrorCode.InvalidArgument, `cannot build the certificate request: ${(err as Error).message}`);
  }
  return `${request.toString('pem')}\n`;
}
