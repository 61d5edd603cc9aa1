import { execFileSync } from 'node:child_process';
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  verify,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawEcdsaToDer } from './ecdsa-codec';
import { attachSignaturesV2 } from './external-signatures-v2';
import { publicKeyDigestV2 } from './keys';
import { signV2 } from './sign-v2';
import { decodeSignatureBlock } from './signature-block';
import { digestSignerFromPrivateKey } from './testing/digest-signers';
import { seededBytes } from './testing/fixtures';
import { attachSignatureV1, publicKeyToV1Raw, verifyV1 } from './v1';
import { verifyV2 } from './verify-v2';

// Independent check of the V2 and V1 formats: keys, signatures and the Montgomery
// constants come from the openssl and bc command lines exactly as the format spec's
// section 12 describes, every expected block is assembled here by hand from the
// spec's tables (offsets written out), and FleetSign's output must equal it byte
// for byte.

jest.setTimeout(60_000);

let dir: string;

function run(command: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(command, args, {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}
const openssl = (...args: string[]): string => run('openssl', args);
const file = (name: string): Buffer => readFileSync(join(dir, name));

/** CRC-32 (reflected 0xEDB88320, init and final XOR 0xFFFFFFFF), bit by bit. */
function crc32Bitwise(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A non-negative integer as `size` bytes, big-endian. */
function be(value: bigint, size: number): Buffer {
  const hex = value.toString(16);
  if (hex.length > size * 2) throw new Error(`value does not fit in ${size} bytes`);
  return Buffer.from(hex.padStart(size * 2, '0'), 'hex');
}
/** A non-negative integer as `size` bytes, little-endian (LE bignum). */
const le = (value: bigint, size: number): Buffer => be(value, size).reverse();

/** r and s of a DER ECDSA signature, as printed by openssl asn1parse. */
function asn1ParseRS(sigFile: string): [bigint, bigint] {
  const ints = [
    ...openssl('asn1parse', '-inform', 'DER', '-in', sigFile).matchAll(/INTEGER\s+:([0-9A-F]+)/g),
  ];
  expect(ints).toHaveLength(2);
  return [BigInt('0x' + ints[0][1]), BigInt('0x' + ints[1][1])];
}

/** X and Y of an EC key, from the "pub:" dump of openssl ec -text (04 || X || Y). */
function ecPublicXY(pem: string, size: number): [bigint, bigint] {
  const text = openssl('ec', '-in', pem, '-noout', '-text');
  const hex = /pub:\s*\n((?:\s+[0-9a-f:]+\n)+)/.exec(text)![1].replace(/[\s:]/g, '');
  expect(hex.length).toBe(2 + 4 * size);
  expect(hex.slice(0, 2)).toBe('04');
  return [BigInt('0x' + hex.slice(2, 2 + 2 * size)), BigInt('0x' + hex.slice(2 + 2 * size))];
}

/** Reads the 0xFF-padded test data file d.bin. */
const paddedData = (): Buffer => file('d.bin');
const publicKeyOf = (name: string): KeyObject => createPublicKey(file(`${name}.pub.pem`));

/** The expected signed file: data, the hand-built blocks, 0xFF to the end of the 4096-byte sector. */
function expectedFile(data: Buffer, blocks: Buffer[]): Buffer {
  const sector = Buffer.alloc(4096, 0xff);
  blocks.forEach((block, i) => block.copy(sector, i * 1216));
  return Buffer.concat([data, sector]);
}

/** Seals a hand-built block: CRC32 of bytes 0..1195 as u32 LE at 1196; 1200..1215 stay zero. */
function seal(block: Buffer): Buffer {
  block.writeUInt32LE(crc32Bitwise(block.subarray(0, 1196)), 1196);
  return block;
}

/** RSA-3072 block by hand (format spec section 3). */
function handRsaBlock(): Buffer {
  const nHex = openssl('rsa', '-in', 'rsa.pem', '-noout', '-modulus').trim().split('=')[1];
  const n = BigInt('0x' + nHex);
  const e = Number(/publicExponent: (\d+)/.exec(openssl('rsa', '-in', 'rsa.pem', '-noout', '-text'))![1]);
  // R and M' computed by bc, as in section 12 (decimal output).
  const r = BigInt(
    run('bash', ['-c', 'echo "ibase=16; n=$N; ibase=A; (2^6144) % n" | BC_LINE_LENGTH=0 bc'], {
      N: nHex,
    }).trim(),
  );
  const mPrime = Number(
    run('bash', ['-c', 'echo "ibase=16; n=$N; ibase=A; mprime(n)" | BC_LINE_LENGTH=0 bc mp.bc'], {
      N: nHex,
    }).trim(),
  );
  const signature = file('rsa.sig');
  expect(signature.length).toBe(384);

  const block = Buffer.alloc(1216);
  block[0] = 0xe7; //                                 0: magic
  block[1] = 0x02; //                                 1: version (RSA)
  //                                                  2..3: reserved 00 00
  file('d.sha256').copy(block, 4); //                 4..35: SHA-256 image digest
  le(n, 384).copy(block, 36); //                      36..419: n, LE
  block.writeUInt32LE(e, 420); //                     420..423: e
  le(r, 384).copy(block, 424); //                     424..807: R = 2^6144 mod n, LE
  block.writeUInt32LE(mPrime, 808); //                808..811: M' = -n^-1 mod 2^32
  Buffer.from(signature).reverse().copy(block, 812); // 812..1195: signature reversed
  return seal(block); //                              1196..1199: CRC32, 1200..1215: zeros
}

/** Field offsets of P-192 and P-256 blocks (format spec section 4a). */
const SHORT_CURVE_LAYOUT = {
  p192: { curveId: 1, size: 24, x: 37, y: 61, r: 101, s: 125 }, // zeros at 85..100 and 149..164
  p256: { curveId: 2, size: 32, x: 37, y: 69, r: 101, s: 133 },
} as const;

/** ECDSA P-192 / P-256 block by hand (format spec section 4a). */
function handEcdsaBlock256(name: 'p192' | 'p256'): Buffer {
  const at = SHORT_CURVE_LAYOUT[name];
  const [x, y] = ecPublicXY(`${name}.pem`, at.size);
  const [r, s] = asn1ParseRS(`${name}.sig`);
  const block = Buffer.alloc(1216);
  block[0] = 0xe7; //                   0: magic
  block[1] = 0x03; //                   1: version (ECDSA)
  block[2] = 0x00; //                   2: hash id SHA-256
  file('d.sha256').copy(block, 4); //   4..35: SHA-256 image digest
  block[36] = at.curveId; //            36: curve id
  le(x, at.size).copy(block, at.x); //  X LE
  le(y, at.size).copy(block, at.y); //  Y LE
  le(r, at.size).copy(block, at.r); //  r LE
  le(s, at.size).copy(block, at.s); //  s LE
  return seal(block); //                165..1195 zero, CRC, 16 zeros
}

/** ECDSA P-384 block by hand (format spec section 4b). */
function handEcdsaBlock384(): Buffer {
  const [x, y] = ecPublicXY('p384.pem', 48);
  const [r, s] = asn1ParseRS('p384.sig');
  const block = Buffer.alloc(1216);
  block[0] = 0xe7; //                     0: magic
  block[1] = 0x03; //                     1: version (ECDSA)
  block[2] = 0x01; //                     2: hash id SHA-384
  file('d.sha384').copy(block, 4); //     4..51: SHA-384 image digest
  block[52] = 3; //                       52: curve id P-384
  le(x, 48).copy(block, 53); //           53..100: X LE
  le(y, 48).copy(block, 101); //          101..148: Y LE
  le(r, 48).copy(block, 149); //          149..196: r LE
  le(s, 48).copy(block, 197); //          197..244: s LE
  return seal(block); //                  245..1195 zero, CRC, 16 zeros
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsign-openssl-vectors-'));
  // Keys (section 12).
  openssl('genrsa', '-out', 'rsa.pem', '3072');
  openssl('ecparam', '-name', 'prime192v1', '-genkey', '-noout', '-out', 'p192.pem');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'p256.pem');
  openssl('ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'p384.pem');
  for (const name of ['rsa', 'p192', 'p256', 'p384'])
    openssl('pkey', '-in', `${name}.pem`, '-pubout', '-out', `${name}.pub.pem`);

  // Data, padded to 4096 with 0xFF by the section 12 shell snippet.
  writeFileSync(join(dir, 'd.bin'), seededBytes(70_001, 7));
  run('bash', [
    '-c',
    `n=$(stat -c%s d.bin); p=$(( (4096 - n % 4096) % 4096 )); head -c $p /dev/zero | tr '\\0' '\\377' >> d.bin`,
  ]);
  writeFileSync(join(dir, 'd1.bin'), seededBytes(5003, 8)); // V1: unpadded

  // Signatures and digests over the padded data.
  openssl(
    'dgst',
    '-sha256',
    '-sign',
    'rsa.pem',
    '-sigopt',
    'rsa_padding_mode:pss',
    '-sigopt',
    'rsa_pss_saltlen:32',
    '-sigopt',
    'rsa_mgf1_md:sha256',
    '-out',
    'rsa.sig',
    'd.bin',
  );
  openssl('dgst', '-sha256', '-sign', 'p192.pem', '-out', 'p192.sig', 'd.bin');
  openssl('dgst', '-sha256', '-sign', 'p256.pem', '-out', 'p256.sig', 'd.bin');
  openssl('dgst', '-sha384', '-sign', 'p384.pem', '-out', 'p384.sig', 'd.bin');
  openssl('dgst', '-sha256', '-binary', '-out', 'd.sha256', 'd.bin');
  openssl('dgst', '-sha384', '-binary', '-out', 'd.sha384', 'd.bin');
  openssl('dgst', '-sha256', '-sign', 'p256.pem', '-out', 'v1.der', 'd1.bin');

  writeFileSync(
    join(dir, 'mp.bc'),
    `define mprime(n) {
  auto x, i, m
  m = 2^32; n = n % m; x = 1
  for (i = 0; i < 5; i++) { x = (x * (2 - n * x)) % m; if (x < 0) x += m }
  return ((m - x) % m)
}
`,
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('openssl-made vectors', () => {
  it('the test CRC is the standard one', () => {
    expect(crc32Bitwise(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(paddedData().length % 4096).toBe(0);
    expect(paddedData().length).toBe(73_728);
    expect(
      paddedData()
        .subarray(70_001)
        .equals(Buffer.alloc(73_728 - 70_001, 0xff)),
    ).toBe(true);
  });

  const cases = [
    { name: 'rsa', label: 'RSA-3072', build: handRsaBlock, keyBytes: [36, 812], verifyOpts: 'rsa' },
    {
      name: 'p192',
      label: 'ECDSA P-192',
      build: () => handEcdsaBlock256('p192'),
      keyBytes: [36, 101],
    },
    {
      name: 'p256',
      label: 'ECDSA P-256',
      build: () => handEcdsaBlock256('p256'),
      keyBytes: [36, 101],
    },
    { name: 'p384', label: 'ECDSA P-384', build: handEcdsaBlock384, keyBytes: [52, 149] },
  ] as const;

  it.each(cases)(
    '$label: attachSignaturesV2 output equals the hand-built file',
    ({ name, build, keyBytes }) => {
      const data = paddedData();
      const publicKey = publicKeyOf(name);
      const handBlock = build();
      const result = attachSignaturesV2(data, [{ publicKey, signature: file(`${name}.sig`) }]);
      expect(result.image.equals(expectedFile(data, [handBlock]))).toBe(true);

      // The public-key digest is SHA-256 over the hand-built key bytes.
      const keyMaterial = handBlock.subarray(keyBytes[0], keyBytes[1]);
      expect(publicKeyDigestV2(publicKey).equals(createHash('sha256').update(keyMaterial).digest())).toBe(
        true,
      );
      expect(result.blocks[0].keyDigest.equals(publicKeyDigestV2(publicKey))).toBe(true);

      // node:crypto verifies the signature decodeSignatureBlock extracted.
      const block = decodeSignatureBlock(handBlock, 0)!;
      const hash = name === 'p384' ? 'sha384' : 'sha256';
      const ok =
        name === 'rsa'
          ? verify(
              hash,
              data,
              { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              block.signature,
            )
          : verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, block.signature);
      expect(ok).toBe(true);
      expect(block.publicKey.equals(publicKey)).toBe(true);
      expect(verifyV2(result.image, { publicKeys: [publicKey] }).valid).toBe(true);
    },
  );

  it('three blocks (RSA, P-256, P-384) land at 0, 1216 and 2432', () => {
    const data = paddedData();
    const result = attachSignaturesV2(data, [
      { publicKey: publicKeyOf('rsa'), signature: file('rsa.sig') },
      { publicKey: publicKeyOf('p256'), signature: file('p256.sig') },
      { publicKey: publicKeyOf('p384'), signature: file('p384.sig') },
    ]);
    const expected = expectedFile(data, [handRsaBlock(), handEcdsaBlock256('p256'), handEcdsaBlock384()]);
    expect(result.image.equals(expected)).toBe(true);
  });

  it.each(['rsa', 'p192', 'p256', 'p384'] as const)(
    '%s: openssl verifies the signatures signV2 writes',
    async (name) => {
      const signer = digestSignerFromPrivateKey(createPrivateKey(file(`${name}.pem`)));
      const result = await signV2(paddedData(), [signer]);
      const [block] = result.blocks;
      writeFileSync(join(dir, 'fs.data'), result.image.subarray(0, result.signedDataLength));
      const hash = name === 'p384' ? '-sha384' : '-sha256';
      if (name === 'rsa') {
        writeFileSync(join(dir, 'fs.sig'), block.signature);
        const out = openssl(
          'dgst',
          hash,
          '-verify',
          'rsa.pub.pem',
          '-sigopt',
          'rsa_padding_mode:pss',
          '-sigopt',
          'rsa_pss_saltlen:32',
          '-sigopt',
          'rsa_mgf1_md:sha256',
          '-signature',
          'fs.sig',
          'fs.data',
        );
        expect(out).toContain('Verified OK');
      } else {
        writeFileSync(join(dir, 'fs.sig'), rawEcdsaToDer(block.signature));
        expect(
          openssl('dgst', hash, '-verify', `${name}.pub.pem`, '-signature', 'fs.sig', 'fs.data'),
        ).toContain('Verified OK');
      }
    },
  );

  it('V1: attachSignatureV1 with raw r||s from the DER gives data || 00000000 || r || s', () => {
    const data = file('d1.bin');
    const [r, s] = asn1ParseRS('v1.der');
    const raw = Buffer.concat([be(r, 32), be(s, 32)]);
    const publicKey = publicKeyOf('p256');
    const signed = attachSignatureV1(data, publicKey, raw);
    expect(signed.equals(Buffer.concat([data, Buffer.from([0, 0, 0, 0]), be(r, 32), be(s, 32)]))).toBe(true);
    expect(signed.length).toBe(5003 + 68);
    expect(verifyV1(signed, publicKey)).toBe(true);
    const [x, y] = ecPublicXY('p256.pem', 32);
    expect(publicKeyToV1Raw(publicKey).equals(Buffer.concat([be(x, 32), be(y, 32)]))).toBe(true);
  });
});
