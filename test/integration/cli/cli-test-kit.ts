import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { runCli } from '../../../apps/cli/src/cli';
import type { CliIo } from '../../../apps/cli/src/command-context';

// Helpers for the CLI integration specs: run `fleetsign` in-process, make keys and
// signatures with the openssl command (independent of FleetSign's own code), and
// check signature blocks from their raw bytes.

export const SECTOR = 4096;
export const BLOCK = 1216;

/** Exit code and captured output of one in-process CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fleetsign <argv>` in-process and captures its output. */
export async function fleetsign(argv: string[], extraIo: Pick<CliIo, 'promptSecret'> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...extraIo,
  });
  return { code, stdout, stderr };
}

/** Runs `fleetsign sign-data -v <version> <options> -o <output> <input>`, the argv order most specs use. */
export function signData(
  version: 1 | 2,
  options: string[],
  output: string,
  input: string,
  extraIo: Pick<CliIo, 'promptSecret'> = {},
): Promise<CliRun> {
  return fleetsign(['sign-data', '-v', String(version), ...options, '-o', output, input], extraIo);
}

/** Runs `fleetsign verify-signature -v <version> <options> <file>`. */
export function verifySignature(version: 1 | 2, options: string[], file: string): Promise<CliRun> {
  return fleetsign(['verify-signature', '-v', String(version), ...options, file]);
}

/** Asserts success: exit 0 and nothing on stderr (the diff shows stderr when it fails). */
export function expectOk(run: CliRun): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
}

/** Asserts the espsecure failure shape: exit 2 and exactly one `A fatal error occurred` line on stderr. */
export function expectFatal(run: CliRun, fragment?: string | RegExp): void {
  expect(run.code).toBe(2);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^A fatal error occurred: \S/);
  if (fragment !== undefined) expect(lines[0]).toMatch(fragment);
}

/** A private temp folder per spec, removed afterwards. */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'fleetsign-cli-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: Buffer | string): string {
    const path = this.path(name);
    writeFileSync(path, data);
    return path;
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  files(): string[] {
    return readdirSync(this.dir).sort();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The spec file's Workspace, removed after its last test. */
export function specWorkspace(): Workspace {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  return ws;
}

/** One openssl-made key pair per scheme in `ws`, filled in before the spec file's first test. */
export function specKeyPairs(ws: Workspace): Record<SchemeName, KeyPair> {
  const keys = {} as Record<SchemeName, KeyPair>;
  beforeAll(() => {
    Object.assign(keys, generateKeyPairs(ws));
  });
  return keys;
}

/** The key types Secure Boot V2 uses, with the openssl and espsecure names for each. */
export const SCHEMES = {
  rsa3072: { kind: 'RSA', curve: undefined, hash: 'sha256' },
  p192: { kind: 'ECDSA', curve: 'prime192v1', hash: 'sha256' },
  p256: { kind: 'ECDSA', curve: 'prime256v1', hash: 'sha256' },
  p384: { kind: 'ECDSA', curve: 'secp384r1', hash: 'sha384' },
} as const;
export type SchemeName = keyof typeof SCHEMES;

/** Runs openssl and returns its stdout; throws with its stderr on failure. */
export function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A new private key made by openssl (RSA: PKCS#8 `BEGIN PRIVATE KEY`; EC: SEC1 `BEGIN EC PRIVATE KEY`). */
export function generateKey(ws: Workspace, name: string, scheme: SchemeName): string {
  const path = ws.path(name);
  const { curve } = SCHEMES[scheme];
  if (curve === undefined)
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-out', path]);
  else openssl(['ecparam', '-name', curve, '-genkey', '-noout', '-out', path]);
  return path;
}

/** A private key file and its public key file. */
export interface KeyPair {
  key: string;
  pub: string;
}

/** One openssl-made key pair per Secure Boot V2 key type, named after the scheme. */
export function generateKeyPairs(ws: Workspace): Record<SchemeName, KeyPair> {
  const pairs = {} as Record<SchemeName, KeyPair>;
  for (const scheme of Object.keys(SCHEMES) as SchemeName[]) {
    const key = generateKey(ws, `${scheme}.pem`, scheme);
    pairs[scheme] = { key, pub: publicKeyOf(ws, key, `${scheme}.pub.pem`) };
  }
  return pairs;
}

/** Writes the public key (PEM SPKI) of a private key file with openssl. */
export function publicKeyOf(ws: Workspace, privateKeyPath: string, name: string): string {
  const path = ws.path(name);
  openssl(['pkey', '-in', privateKeyPath, '-pubout', '-out', path]);
  return path;
}

/**
 * An externally made signature over a file with `openssl dgst -sign`: RSA-PSS (SHA-256,
 * MGF1-SHA-256, salt 32) as 384 raw bytes, ECDSA as DER (SHA-384 for P-384).
 */
export function opensslSign(
  ws: Workspace,
  keyPath: string,
  scheme: SchemeName,
  dataPath: string,
  name: string,
): string {
  const path = ws.path(name);
  const pss = [
    '-sigopt',
    'rsa_padding_mode:pss',
    '-sigopt',
    'rsa_pss_saltlen:32',
    '-sigopt',
    'rsa_mgf1_md:sha256',
  ];
  openssl([
    'dgst',
    `-${SCHEMES[scheme].hash}`,
    '-sign',
    keyPath,
    ...(scheme === 'rsa3072' ? pss : []),
    '-out',
    path,
    dataPath,
  ]);
  return path;
}

/** Converts a DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }) to fixed-size r || s big-endian. */
export function derEcdsaToRawForTest(der: Buffer, size: number): Buffer {
  let offset = 2 + (der[1] & 0x80 ? der[1] & 0x7f : 0);
  const parts: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    if (der[offset] !== 0x02) throw new Error('not a DER INTEGER');
    const length = der[offset + 1];
    let value = der.subarray(offset + 2, offset + 2 + length);
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    parts.push(Buffer.concat([Buffer.alloc(size - value.length), value]));
    offset += 2 + length;
  }
  return Buffer.concat(parts);
}

/** Random test data of a given length. */
export function randomData(length: number): Buffer {
  return randomBytes(length);
}

/** Data padded with 0xFF to a multiple of 4096, as V2 signing does. */
export function padToSector(data: Buffer): Buffer {
  const pad = (SECTOR - (data.length % SECTOR)) % SECTOR;
  return Buffer.concat([data, Buffer.alloc(pad, 0xff)]);
}

/** The raw 1216 bytes of block `index` in the file's last 4096 bytes. */
export function blockAt(file: Buffer, index: number): Buffer {
  const start = file.length - SECTOR + index * BLOCK;
  return file.subarray(start, start + BLOCK);
}

/** The bytes whose SHA-256 is the eFuse key digest (spec section 5), read straight from a block. */
export function keyMaterialOfBlock(block: Buffer): Buffer {
  if (block[1] === 0x02) return block.subarray(36, 812);
  return block[2] === 0x01 ? block.subarray(52, 149) : block.subarray(36, 101);
}

/** SHA-256 of data. */
export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * Checks block `index` of a V2-signed file from its bytes with node:crypto alone: frame,
 * CRC, image digest and signature (with the given key, not the embedded one).
 */
export function verifyBlockIndependently(
  file: Buffer,
  index: number,
  publicKey: KeyObject | string,
): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(readFileSync(publicKey)) : publicKey;
  const block = blockAt(file, index);
  const data = file.subarray(0, file.length - SECTOR);
  if (block[0] !== 0xe7 || crc32(block.subarray(0, 1196)) !== block.readUInt32LE(1196)) return false;
  if (block[1] === 0x02) {
    if (!block.subarray(4, 36).equals(sha256(data))) return false;
    const signature = Buffer.from(block.subarray(812, 1196)).reverse();
    return verify(
      'sha256',
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      signature,
    );
  }
  const sha384 = block[2] === 0x01;
  const hash = sha384 ? 'sha384' : 'sha256';
  const digestEnd = sha384 ? 52 : 36;
  if (!block.subarray(4, digestEnd).equals(createHash(hash).update(data).digest())) return false;
  const size = { 1: 24, 2: 32, 3: 48 }[block[digestEnd] as 1 | 2 | 3];
  const signatureField = digestEnd + 1 + (sha384 ? 96 : 64);
  const r = Buffer.from(block.subarray(signatureField, signatureField + size)).reverse();
  const s = Buffer.from(block.subarray(signatureField + size, signatureField + 2 * size)).reverse();
  return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([r, s]));
}

/** The lines a run printed to stdout. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
