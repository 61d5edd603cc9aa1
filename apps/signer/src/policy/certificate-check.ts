import 'reflect-metadata';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { CertificateFacts } from '@fleetsign/queue';
import {
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate as PeculiarCertificate,
  type X509Crl,
} from '@peculiar/x509';
import type { CertificateMaterial } from './certificate-material';

// The checks a key's code-signing certificate passes before every signing, as SignServer
// does them (CHECKCERTVALIDITY, MINREMAININGCERTVALIDITY): the key is the certified one,
// the certificate is valid now and long enough, may sign code, chains to a trust anchor
// and is not revoked. Each refusal is a permanent code; nothing is signed.

/** Longest chain followed from a key's certificate to an anchor. */
const MAX_CHAIN_LENGTH = 8;

/** The code-signing certificate of one key, checked against the profile's anchors, CRL and `now`. */
export async function checkKeyCertificate(
  material: CertificateMaterial,
  keyIndex: number,
  publicKey: KeyObject,
  profile: string,
  now: Date,
): Promise<CertificateFacts> {
  const [leaf, ...given] = material.chains[keyIndex];
  const at = `profile '${profile}' key ${keyIndex}: certificate ${leaf.serialNumber} (${leaf.subject.replace(/\n/g, ', ')})`;
  const details = { profile, keyIndex, serial: leaf.serialNumber };

  if (!leaf.publicKey.equals(publicKey)) {
    throw new FleetSignError(ErrorCode.CertificateKeyMismatch, `${at} certifies another public key than the key's`, details);
  }
  checkValidity(leaf, now, material.minRemainingValidityMs, at, details);
  checkUsage(leaf, at, details);
  const path = chainToAnchor(leaf, given, material.anchors, at, details);
  for (const issuer of path.slice(1)) checkValidity(issuer, now, 0, `${at}: issuer ${issuer.subject.replace(/\n/g, ', ')}`, details);
  if (material.crl) await checkNotRevoked(leaf, path[1], material.crl, at, details);

  return {
    keyIndex,
    serial: leaf.serialNumber,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    sha256Fingerprint: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

function checkValidity(cert: X509Certificate, now: Date, minRemainingMs: number, at: string, details: Record<string, unknown>): void {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (now < notBefore) {
    throw new FleetSignError(ErrorCode.CertificateNotYetValid, `${at} is not valid before ${notBefore.toISOString()}`, { ...details, notBefore: notBefore.toISOString() });
  }
  if (now > notAfter) {
    throw new FleetSignError(ErrorCode.CertificateExpired, `${at} expired at ${notAfter.toISOString()}`, { ...details, notAfter: notAfter.toISOString() });
  }
  if (notAfter.getTime() - now.getTime() < minRemainingMs) {
    throw new FleetSignError(
      ErrorCode.CertificateExpired,
      `${at} expires at ${notAfter.toISOString()}, sooner than min_remaining_validity allows`,
      { ...details, notAfter: notAfter.toISOString(), minRemainingValidityMs: minRemainingMs },
    );
  }
}

function checkUsage(leaf: X509Certificate, at: string, details: Record<string, unknown>): void {
  const parsed = new PeculiarCertificate(leaf.raw);
  const keyUsage = parsed.getExtension(KeyUsagesExtension);
  if (!keyUsage || (keyUsage.usages & KeyUsageFlags.digitalSignature) === 0) {
    throw new FleetSignError(ErrorCode.CertificateUsage, `${at} lacks keyUsage digitalSignature`, details);
  }
  const extended = parsed.getExtension(ExtendedKeyUsageExtension);
  if (!extended?.usages.includes(ExtendedKeyUsage.codeSigning)) {
    throw new FleetSignError(ErrorCode.CertificateUsage, `${at} lacks extendedKeyUsage codeSigning (${ExtendedKeyUsage.codeSigning})`, details);
  }
}

/** True when `issuer` issued and signed `cert`. */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/** The path from `leaf` through the given chain to a trust anchor (anchor last); CertificateUntrusted when none. */
function chainToAnchor(
  leaf: X509Certificate,
  given: X509Certificate[],
  anchors: X509Certificate[],
  at: string,
  details: Record<string, unknown>,
): X509Certificate[] {
  const path = [leaf];
  for (let step = 0; step < MAX_CHAIN_LENGTH; step++) {
    const current = path[path.length - 1];
    const anchor = anchors.find((candidate) => issued(candidate, current));
    if (anchor) return [...path, anchor];
    const next = given.find((candidate) => !path.includes(candidate) && issued(candidate, current) && candidate.ca);
    if (!next) break;
    path.push(next);
  }
  throw new FleetSignError(ErrorCode.CertificateUntrusted, `${at} does not chain to a trust anchor of the profile`, details);
}

async function checkNotRevoked(leaf: X509Certificate, issuer: X509Certificate, crl: X509Crl, at: string, details: Record<string, unknown>): Promise<void> {
  // A CRL counts only when the leaf's issuer signed it; any other CRL is a configuration mistake, not a pass.
  const issuerCert = new PeculiarCertificate(issuer.raw);
  if (!(await crl.verify({ publicKey: issuerCert }))) {
    throw new FleetSignError(ErrorCode.CertificateUntrusted, `${at}: the profile's CRL is not signed by the certificate's issuer`, details);
  }
  const entry = crl.findRevoked(new PeculiarCertificate(leaf.raw));
  if (entry) {
    throw new FleetSignError(ErrorCode.CertificateRevoked, `${at} was revoked at ${entry.revocationDate.toISOString()}`, {
      ...details,
      revokedAt: entry.revocationDate.toISOString(),
    });
  }
}
