import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { buildEspImage } from '@fleetsign/secure-boot';
import {
  SCHEMES,
  SECTOR,
  blockAt,
  expectFatal,
  expectOk,
  fleetsign,
  keyMaterialOfBlock,
  lines,
  randomData,
  sha256,
  signData,
  specKeyPairs,
  specWorkspace,
  verifyBlockIndependently,
  verifySignature,
  type SchemeName,
} from './cli-test-kit';

// Key and inspection subcommands, and the FleetSign image-check extension of sign-data.

const ws = specWorkspace();
const keys = specKeyPairs(ws);

async function signedWith(name: string, ...keyPaths: string[]): Promise<{ path: string; bytes: Buffer }> {
  const input = ws.write(`${name}.bin`, randomData(SECTOR * 2));
  const path = ws.path(`${name}.signed.bin`);
  const run = await signData(2, ['-k', ...keyPaths], path, input);
  expectOk(run);
  return { path, bytes: readFileSync(path) };
}

describe('digest-sbv2-public-key', () => {
  it.each(Object.keys(SCHEMES) as SchemeName[])(
    'writes SHA-256 of the %s key bytes of a signature block',
    async (scheme) => {
      const { bytes } = await signedWith(`digest-${scheme}`, keys[scheme].key);
      const expected = sha256(keyMaterialOfBlock(blockAt(bytes, 0)));

      const fromPrivate = ws.path(`digest-${scheme}.priv.bin`);
      const run = await fleetsign([
        'digest_sbv2_public_key',
        '--keyfile',
        keys[scheme].key,
        '--output',
        fromPrivate,
      ]);
      expectOk(run);
      expect(lines(run.stdout)).toEqual([
        `Writing the public key digest of "${keys[scheme].key}" to "${fromPrivate}".`,
      ]);
      expect(readFileSync(fromPrivate)).toEqual(expected);

      const fromPublic = ws.path(`digest-${scheme}.pub.bin`);
      expectOk(await fleetsign(['digest-sbv2-public-key', '-k', keys[scheme].pub, '-o', fromPublic]));
      expect(readFileSync(fromPublic)).toEqual(expected);
    },
  );

  it('keeps the deprecated digest-rsa-public-key name', async () => {
    const out = ws.path('digest-rsa-alias.bin');
    expectOk(await fleetsign(['digest-rsa-public-key', '-k', keys.rsa3072.pub, '-o', out]));
    expect(readFileSync(out)).toHaveLength(32);
  });

  it('requires --output and refuses writing over the key', async () => {
    const run = await fleetsign(['digest-sbv2-public-key', '-k', keys.p256.pub]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '-o, --output <file>' not specified");
    expectFatal(
      await fleetsign(['digest-sbv2-public-key', '-k', keys.p256.pub, '-o', keys.p256.pub]),
      'should not be the same',
    );
  });
});

describe('signature-info-v2', () => {
  it('prints each block and its key digest as space-separated hex', async () => {
    const { path, bytes } = await signedWith('info', keys.rsa3072.key, keys.p384.key);
    const run = await fleetsign(['signature_info_v2', path]);
    expectOk(run);
    const hex = (index: number) =>
      [...sha256(keyMaterialOfBlock(blockAt(bytes, index)))]
        .map((b) => b.toString(16).padStart(2, '0'))
        .join(' ');
    expect(lines(run.stdout)).toEqual([
      'Signature block 0 is valid (RSA).',
      `Public key digest for block 0: ${hex(0)}`,
      'Signature block 1 is valid (ECDSA).',
      `Public key digest for block 1: ${hex(1)}`,
      'Signature block 2 absent/invalid. Skipping checking next blocks...',
    ]);
    expect(hex(0)).toMatch(/^([0-9a-f]{2} ){31}[0-9a-f]{2}$/);
  });

  it('fails on an unaligned file', async () => {
    expectFatal(
      await fleetsign(['signature-info-v2', ws.write('info-unaligned.bin', randomData(SECTOR + 5))]),
    );
  });
});

describe('verify-signature --efuse-digest (FleetSign extension)', () => {
  it('accepts the digest of the signing key and rejects another', async () => {
    const { path } = await signedWith('efuse', keys.p256.key);
    const digestFile = ws.path('efuse.digest');
    expectOk(await fleetsign(['digest-sbv2-public-key', '-k', keys.p256.pub, '-o', digestFile]));
    const digest = readFileSync(digestFile).toString('hex');

    const ok = await verifySignature(2, ['--efuse-digest', digest], path);
    expectOk(ok);
    expect(ok.stdout).toContain(
      'Signature block 0 verification successful using the expected eFuse key digest.',
    );
    // ESP32-C2 burns only the first 16 bytes.
    expectOk(await verifySignature(2, ['--efuse_digest', digest.slice(0, 32)], path));

    const otherDigest = ws.path('efuse.other');
    await fleetsign(['digest-sbv2-public-key', '-k', keys.rsa3072.pub, '-o', otherDigest]);
    const bad = await verifySignature(2, ['--efuse-digest', readFileSync(otherDigest).toString('hex')], path);
    expectFatal(bad, 'Checksum / signature verification failed');
    expect(bad.stdout).toContain('public key digest does not match the expected eFuse key digest');
  });
});

describe('extract-public-key', () => {
  it.each(Object.keys(SCHEMES) as SchemeName[])(
    '--version 2 writes the PEM public key of %s',
    async (scheme) => {
      const out = ws.path(`extract-${scheme}.pem`);
      const run = await fleetsign(['extract-public-key', '-v', '2', '-k', keys[scheme].key, out]);
      expectOk(run);
      expect(lines(run.stdout)).toEqual([`"${keys[scheme].key}" public key extracted to "${out}".`]);
      const text = readFileSync(out, 'utf8');
      expect(text).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      const expected = createPublicKey(readFileSync(keys[scheme].pub)).export({
        type: 'spki',
        format: 'der',
      });
      expect(createPublicKey(text).export({ type: 'spki', format: 'der' })).toEqual(expected);
    },
  );

  it('--version 1 (the default) writes X||Y big-endian, 64 bytes', async () => {
    const out = ws.path('extract-v1.bin');
    expectOk(await fleetsign(['extract-public-key', '-k', keys.p256.key, out]));
    const jwk = createPublicKey(readFileSync(keys.p256.pub)).export({ format: 'jwk' });
    const expected = Buffer.concat([
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]);
    expect(readFileSync(out)).toEqual(expected);
  });

  it('refuses a non-P-256 key for V1 and a public key as input', async () => {
    expectFatal(
      await fleetsign(['extract-public-key', '-v', '1', '-k', keys.rsa3072.key, ws.path('x1.bin')]),
    );
    expectFatal(await fleetsign(['extract-public-key', '-v', '2', '-k', keys.p256.pub, ws.path('x2.bin')]));
    expect(ws.files()).not.toContain('x1.bin');
    expect(ws.files()).not.toContain('x2.bin');
  });
});

describe('generate-signing-key', () => {
  it.each([
    [['-v', '2'], 'rsa', 'BEGIN RSA PRIVATE KEY', 'RSA 3072'],
    [['--version', '2', '--scheme', 'ecdsa192'], 'p192', 'BEGIN EC PRIVATE KEY', 'ECDSA NIST192p'],
    [['-v', '2', '-s', 'ecdsa256'], 'p256', 'BEGIN EC PRIVATE KEY', 'ECDSA NIST256p'],
    [['-v', '2', '--scheme', 'ecdsa384'], 'p384', 'BEGIN EC PRIVATE KEY', 'ECDSA NIST384p'],
    [[], 'v1', 'BEGIN EC PRIVATE KEY', 'ECDSA NIST256p'],
  ])('generates %j as a %s key, mode 0600, usable for signing', async (flags, name, header, label) => {
    const path = ws.path(`generated-${name}.pem`);
    const run = await fleetsign(['generate_signing_key', ...flags, path]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual([`${label} private key in PEM format written to "${path}".`]);
    expect(readFileSync(path, 'utf8')).toContain(`-----${header}-----`);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const key = createPrivateKey(readFileSync(path));
    if (name === 'rsa') expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
    const version = name === 'v1' ? 1 : 2;
    const input = ws.write(`generated-${name}.bin`, randomData(SECTOR));
    const signed = ws.path(`generated-${name}.signed.bin`);
    expectOk(await signData(version, ['-k', path], signed, input));
    expectOk(await verifySignature(version, ['-k', path], signed));
  });

  it('refuses to overwrite an existing file', async () => {
    const path = ws.write('existing.pem', 'precious');
    const run = await fleetsign(['generate-signing-key', '-v', '2', '--scheme', 'ecdsa256', path]);
    expectFatal(run, `Key file ${path} already exists`);
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('refuses a V1 scheme other than ecdsa256', async () => {
    expectFatal(
      await fleetsign(['generate-signing-key', '-v', '1', '--scheme', 'rsa3072', ws.path('v1-rsa.pem')]),
      /ECDSA256/,
    );
    expect(ws.files()).not.toContain('v1-rsa.pem');
  });
});

describe('sign-data --chip / --check-image (FleetSign extension)', () => {
  it('signs a valid ESP32-S3 image with RSA and reports the check', async () => {
    const input = ws.write('s3.bin', buildEspImage({ chipId: 9, size: 50_000, seed: 7 }));
    const output = ws.path('s3.signed.bin');
    const run = await signData(2, ['--chip', 'esp32s3', '-k', keys.rsa3072.key], output, input);
    expectOk(run);
    expect(run.stdout).toMatch(/Checked ESP image: ESP32-S3, \d+ bytes, scheme sbv2-rsa3072\./);
    expect(verifyBlockIndependently(readFileSync(output), 0, keys.rsa3072.pub)).toBe(true);
    expectOk(await verifySignature(2, ['-k', keys.rsa3072.pub], output));
  });

  it('refuses a scheme the chip cannot boot, another chip, and bytes that are not an image', async () => {
    const input = ws.write('s3-check.bin', buildEspImage({ chipId: 9, size: 20_000, seed: 8 }));
    const out = ws.path('s3-check.out');
    expectFatal(await signData(2, ['--check-image', '-k', keys.p256.key], out, input));
    expectFatal(await signData(2, ['--chip', 'ESP32-C3', '-k', keys.rsa3072.key], out, input), /ESP32-C3/);
    expectFatal(await signData(2, ['--chip', 'esp42', '-k', keys.rsa3072.key], out, input), /Unknown chip/);
    const random = ws.write('not-image.bin', randomData(SECTOR));
    expectFatal(await signData(2, ['--check-image', '-k', keys.rsa3072.key], out, random));
    expect(ws.files()).not.toContain('s3-check.out');
  });
});
