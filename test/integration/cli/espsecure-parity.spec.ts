import { constants, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import {
  SECTOR,
  blockAt,
  expectFatal,
  expectOk,
  fleetsign,
  keyMaterialOfBlock,
  lines,
  openssl,
  randomData,
  sha256,
  signData,
  specKeyPairs,
  specWorkspace,
  verifyBlockIndependently,
  verifySignature,
} from './cli-test-kit';

// Inputs espsecure accepts that FleetSign once refused (issue 11), each with the exact
// input a user's build feeds it.

const ws = specWorkspace();
const keys = specKeyPairs(ws);

function spacedHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Rewrites the CRC of a block after editing it, so only its content is wrong. */
function reseal(block: Buffer): void {
  block.writeUInt32LE(crc32(block.subarray(0, 1196)), 1196);
}

describe('a key from `openssl ecparam -genkey` without -noout (EC PARAMETERS block first)', () => {
  let keyPath: string;

  beforeAll(() => {
    keyPath = ws.path('ecparam-key.pem');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', keyPath]);
    expect(readFileSync(keyPath, 'latin1')).toMatch(/^-----BEGIN EC PARAMETERS-----/);
  });

  it('signs V2 and the block verifies with the key', async () => {
    const out = ws.path('ecparam-v2.bin');
    expectOk(await signData(2, ['--keyfile', keyPath], out, ws.write('ecparam-v2-in.bin', randomData(5000))));
    expect(verifyBlockIndependently(readFileSync(out), 0, createPublicKey(readFileSync(keyPath)))).toBe(true);
    expectOk(await verifySignature(2, ['--keyfile', keyPath], out));
  });

  it('signs V1 and the signature verifies with the key', async () => {
    const data = randomData(3000);
    const out = ws.path('ecparam-v1.bin');
    expectOk(await signData(1, ['--keyfile', keyPath], out, ws.write('ecparam-v1-in.bin', data)));
    const signed = readFileSync(out);
    expect(signed.length).toBe(data.length + 68);
    const signature = signed.subarray(data.length + 4);
    const publicKey = createPublicKey(readFileSync(keyPath));
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expectOk(await verifySignature(1, ['--keyfile', keyPath], out));
  });

  it('extract-public-key gives the key of the EC PRIVATE KEY block (V1 raw and V2 PEM)', async () => {
    const expected = createPublicKey(readFileSync(keyPath));
    expectOk(
      await fleetsign([
        'extract_public_key',
        '--version',
        '2',
        '--keyfile',
        keyPath,
        ws.path('ecparam.pub.pem'),
      ]),
    );
    expect(
      createPublicKey(readFileSync(ws.path('ecparam.pub.pem'))).export({ format: 'der', type: 'spki' }),
    ).toEqual(expected.export({ format: 'der', type: 'spki' }));
    expectOk(
      await fleetsign([
        'extract_public_key',
        '--version',
        '1',
        '--keyfile',
        keyPath,
        ws.path('ecparam.pub.raw'),
      ]),
    );
    const jwk = expected.export({ format: 'jwk' });
    expect(readFileSync(ws.path('ecparam.pub.raw'))).toEqual(
      Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]),
    );
  });

  it('still refuses a file holding only EC PARAMETERS', async () => {
    const paramsOnly = ws.path('params-only.pem');
    openssl(['ecparam', '-name', 'prime256v1', '-out', paramsOnly]);
    expectFatal(
      await signData(
        2,
        ['--keyfile', paramsOnly],
        ws.path('never.bin'),
        ws.write('params-in.bin', randomData(100)),
      ),
      /EC PARAMETERS, not a private key/,
    );
  });
});

describe('signature-info-v2 on files espsecure reports', () => {
  it('reports an absent block 0 and exits 0 (an unsigned aligned file)', async () => {
    const run = await fleetsign(['signature_info_v2', ws.write('unsigned.bin', randomData(SECTOR * 2))]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual(['Signature block 0 absent/invalid. Skipping checking next blocks...']);
  });

  it('reports an invalid block 0 (broken CRC) and exits 0', async () => {
    const out = ws.path('crc0.bin');
    expectOk(
      await signData(
        2,
        ['--keyfile', keys.p256.key, keys.rsa3072.key],
        out,
        ws.write('crc0-in.bin', randomData(SECTOR)),
      ),
    );
    const file = readFileSync(out);
    blockAt(file, 0)[1196] ^= 1;
    const run = await fleetsign(['signature-info-v2', ws.write('crc0-broken.bin', file)]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual(['Signature block 0 absent/invalid. Skipping checking next blocks...']);
  });

  it('reports a block with an intact CRC but a bad curve id beside valid blocks and their digests', async () => {
    const out = ws.path('curve.bin');
    const input = ws.write('curve-in.bin', randomData(SECTOR + 10));
    expectOk(await signData(2, ['--keyfile', keys.p256.key, keys.p192.key, keys.rsa3072.key], out, input));
    const file = readFileSync(out);
    const digests = [0, 2].map((i) => spacedHex(sha256(keyMaterialOfBlock(blockAt(file, i)))));
    const bad = blockAt(file, 1);
    bad[36] = 9; // curve id of a P-192 block
    reseal(bad);
    const run = await fleetsign(['signature-info-v2', ws.write('curve-bad.bin', file)]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual([
      'Signature block 0 is valid (ECDSA).',
      `Public key digest for block 0: ${digests[0]}`,
      'Signature block 1 has an intact CRC but cannot be used: ECDSA block has unsupported curve id 9 for hash id 0.',
      'Signature block 2 is valid (RSA).',
      `Public key digest for block 2: ${digests[1]}`,
    ]);
  });
});

describe('a pre-calculated RSA signature of 383 bytes (leading zero byte dropped)', () => {
  it('is accepted and the signed file verifies', async () => {
    const data = randomData(SECTOR * 2);
    const input = ws.write('rsa383-in.bin', data);
    const key = createPrivateKey(readFileSync(keys.rsa3072.key));
    // PSS is randomised: about one signature in 256 starts with a zero byte. Bounded search.
    let signature: Buffer | undefined;
    for (let attempt = 0; attempt < 5000 && !signature; attempt++) {
      const candidate = sign('sha256', data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
      if (candidate[0] === 0) signature = candidate.subarray(1);
    }
    expect(signature).toHaveLength(383);
    const out = ws.path('rsa383.bin');
    const run = await signData(
      2,
      ['--pub-key', keys.rsa3072.pub, '--signature', ws.write('rsa383.sig', signature!)],
      out,
      input,
    );
    expectOk(run);
    const signed = readFileSync(out);
    expect(verifyBlockIndependently(signed, 0, keys.rsa3072.pub)).toBe(true);
    expectOk(await verifySignature(2, ['--keyfile', keys.rsa3072.pub], out));
  });

  it('still refuses a signature longer than 384 bytes', async () => {
    const input = ws.write('rsa385-in.bin', randomData(SECTOR));
    const run = await signData(
      2,
      ['--pub-key', keys.rsa3072.pub, '--signature', ws.write('rsa385.sig', randomData(385))],
      ws.path('rsa385.bin'),
      input,
    );
    expectFatal(run, /at most 384 bytes/);
  });
});

describe('empty input: signed by both versions, as espsecure does', () => {
  it('V2 signs an empty file into the 4096-byte sector alone, and it verifies', async () => {
    const out = ws.path('empty-v2.bin');
    expectOk(
      await signData(
        2,
        ['--keyfile', keys.p256.key, keys.rsa3072.key],
        out,
        ws.write('empty-v2-in.bin', Buffer.alloc(0)),
      ),
    );
    const signed = readFileSync(out);
    expect(signed.length).toBe(SECTOR);
    expect(blockAt(signed, 0).subarray(4, 36)).toEqual(sha256(Buffer.alloc(0)));
    expect(verifyBlockIndependently(signed, 0, keys.p256.pub)).toBe(true);
    expect(verifyBlockIndependently(signed, 1, keys.rsa3072.pub)).toBe(true);
  });

  it('V1 signs an empty file into the 68-byte trailer alone, and it verifies', async () => {
    const out = ws.path('empty-v1.bin');
    expectOk(
      await signData(1, ['--keyfile', keys.p256.key], out, ws.write('empty-v1-in.bin', Buffer.alloc(0))),
    );
    const signed = readFileSync(out);
    expect(signed.length).toBe(68);
    expectOk(await verifySignature(1, ['--keyfile', keys.p256.key], out));
  });
});
