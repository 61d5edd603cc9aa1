import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CertificatePolicyConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { X509Crl } from '@peculiar/x509';

// The certificate files of a profile, read and parsed once per configuration: each key's
// certificate chain, the trust anchors and the CRL.

/** A profile's parsed certificate material. */
export interface CertificateMaterial {
  /** Per key, in key order: its certificate first, then the chain given with it. */
  chains: X509Certificate[][];
  anchors: X509Certificate[];
  crl?: X509Crl;
  minRemainingValidityMs: number;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM file, in file order. */
export function parsePemCertificates(text: string, file: string): X509Certificate[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw invalidFile(file, 'holds no PEM certificate');
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw invalidFile(file, `certificate ${index + 1} does not parse (${(err as Error).message})`);
    }
  });
}

function invalidFile(file: string, problem: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidConfig, `${file}: ${problem}`, { file });
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw invalidFile(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readCrl(file: string): Promise<X509Crl> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw invalidFile(file, `cannot be read (${err.code ?? 'error'})`);
  });
  const text = bytes.toString('latin1');
  try {
    return new X509Crl(text.includes('-----BEGIN X509 CRL-----') ? text : new Uint8Array(bytes));
  } catch (err) {
    throw invalidFile(file, `is not a CRL (${(err as Error).message})`);
  }
}

/**
 * The certificate PEM of each key (certificate and chain, as PEM blocks), to publish with
 * the public keys; undefined without certificate settings or when a file cannot be read
 * (signing then refuses with the reason).
 */
export async function readCertificatePems(config: CertificatePolicyConfig | undefined): Promise<string[] | undefined> {
  if (!config) return undefined;
  try {
    const texts = await Promise.all(config.certificateFiles.map((file) => readFile(file, 'utf8')));
    return texts.map((text) => `${(text.match(PEM_CERTIFICATE) ?? []).join('\n')}\n`);
  } catch {
    return undefined;
  }
}

/** Reads and parses the files a profile's certificate settings name. */
export async function loadCertificateMaterial(config: CertificatePolicyConfig): Promise<CertificateMaterial> {
  const chains = await Promise.all(config.certificateFiles.map(async (file) => parsePemCertificates(await readText(file), file)));
  const anchors = parsePemCertificates(await readText(config.trustAnchorsFile), config.trustAnchorsFile);
  return {
    chains,
    anchors,
    ...(config.crlFile ? { crl: await readCrl(config.crlFile) } : {}),
    minRemainingValidityMs: config.minRemainingValidityMs,
  };
}
