import { constants, createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { EC_CURVES, type EcdsaAlgorithm } from '../key-algorithm';
import { derEncode as encodeDer } from '@fleetsign/secure-boot/der';
import { createPemSigner } from './pem-signer';
import { generateSigningKeyPem } from './generate-key';
import { ecdsaOf } from './ecdsa';

// Published RFC 6979 appendix A.2 vectors (k, r, s) for the curves Secure Boot uses.
interface Rfc6979Vector {
  message: string;
  hash: 'sha256' | 'sha384';
  k: string;
  r: string;
  s: string;
}
interface Rfc6979Key {
  section: string;
  algorithm: EcdsaAlgorithm;
  x: string;
  ux: string;
  uy: string;
  vectors: Rfc6979Vector[];
}

const RFC6979_KEYS: Rfc6979Key[] = [
  {
    section: 'A.2.3 (P-192)',
    algorithm: 'ecdsa-p192',
    x: '6FAB034934E4C0FC9AE67F5B5659A9D7D1FEFD187EE09FD4',
    ux: 'AC2C77F529F91689FEA0EA5EFEC7F210D8EEA0B9E047ED56',
    uy: '3BC723E57670BD4887EBC732C523063D0A7C957BC97C1C43',
    vectors: [
      {
        message: 'sample',
        hash: 'sha256',
        k: '32B1B6D7D42A05CB449065727A84804FB1A3E34D8F261496',
        r: '4B0B8CE98A92866A2820E20AA6B75B56382E0F9BFD5ECB55',
        s: 'CCDB006926EA9565CBADC840829D8C384E06DE1F1E381B85',
      },
      {
        message: 'test',
        hash: 'sha256',
        k: '5C4CE89CF56D9E7C77C8585339B006B97B5F0680B4306C6C',
        r: '3A718BD8B4926C3B52EE6BBE67EF79B18CB6EB62B1AD97AE',
        s: '5662E6848A4A19B1F1AE2F72ACD4B8BBE50F1EAC65D9124F',
      },
    ],
  },
  {
    section: 'A.2.5 (P-256)',
    algorithm: 'ecdsa-p256',
    x: 'C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721',
    ux: '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6',
    uy: '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
    vectors: [
      {
        message: 'sample',
        hash: 'sha256',
        k: 'A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60',
        r: 'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
        s: 'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
      },
      {
        message: 'test',
        hash: 'sha256',
        k: 'D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0',
        r: 'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367',
        s: '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083',
      },
    ],
  },
  {
    section: 'A.2.6 (P-384)',
    algorithm: 'ecdsa-p384',
    x: '6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5',
    ux: 'EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13',
    uy: '8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720',
    vectors: [
      {
        message: 'sample',
        hash: 'sha384',
        k: '94ED910D1A099DAD3254E9242AE85ABDE4BA15168EAF0CA87A555FD56D10FBCA2907E3E83BA95368623B8C4686915CF9',
        r: '94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46',
        s: '99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8',
      },
      {
        message: 'test',
        hash: 'sha384',
        k: '015EE46A5BF88773ED9123A5AB0807962D193719503C527B031B4C2D225092ADA71F4A459BC0DA98ADB95837DB8312EA',
        r: '8203B63D3C853E8D77227FB377BCF7B7B772E97892A80F36AB775D509D7A5FEB0542A7F0812998DA8F1DD3CA3CF023DB',
        s: 'DDD0760448D42D8A43AF45AF836FCE4DE8BE06B485E9B61B827C2F13173923E06A739F040649A667BF3B828246BAA5A5',
      },
    ],
  },
];

/** A SEC1 'EC PRIVATE KEY' PEM for a known scalar. */
function ecPemFromScalar(algorithm: EcdsaAlgorithm, scalarHex: string): string {
  const curve = EC_CURVES[algorithm];
  const d = Buffer.from(scalarHex, 'hex');
  const ecdh = createECDH(curve.nodeName);
  ecdh.setPrivateKey(d);
  const sec1 = encodeDer(
    0x30,
    Buffer.concat([
      Buffer.from([0x02, 0x01, 0x01]),
      encodeDer(0x04, d),
      encodeDer(0xa0, curve.oidDer),
      encodeDer(0xa1, encodeDer(0x03, Buffer.concat([Buffer.from([0]), ecdh.getPublicKey()]))),
    ]),
  );
  return createPrivateKey({ key: sec1, format: 'der', type: 'sec1' }).export({ type: 'sec1', format: 'pem' }) as string;
}

function sha(hash: 'sha256' | 'sha384', data: string | Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

describe('createPemSigner: deterministic ECDSA against RFC 6979 appendix A.2', () => {
  describe.each(RFC6979_KEYS)('$section', (key) => {
    const signer = createPemSigner(ecPemFromScalar(key.algorithm, key.x));

    it('derives the published public key', () => {
      expect(signer.algorithm).toBe(key.algorithm);
      const raw = signer.publicKey.export({ format: 'der', type: 'spki' });
      const point = raw.subarray(raw.length - 1 - 2 * EC_CURVES[key.algorithm].fieldSize);
      expect(point.toString('hex').toUpperCase()).toBe('04' + key.ux + key.uy);
    });

    it.each(key.vectors)('message "$message" with $hash gives the published k, r and s', async (v) => {
      const digest = sha(v.hash, v.message);
      // r is the x of k*G reduced mod n: the published k is the nonce that was used.
      const { Point } = ecdsaOf(key.algorithm);
      const kG = Point.BASE.multiply(BigInt('0x' + v.k)).toAffine();
      expect(Point.Fn.create(kG.x).toString(16).toUpperCase().padStart(v.r.length, '0')).toBe(v.r);

      const signature = await signer.sign(digest);
      expect(signature.toString('hex').toUpperCase()).toBe(v.r + v.s);
      expect(verify(v.hash, Buffer.from(v.message), { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    });
  });
});

describe('createPemSigner: generated keys', () => {
  const message = Buffer.from('FleetSign test image');

  it.each(['ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384'] as const)('%s signs deterministically and node:crypto verifies', async (algorithm) => {
    const signer = createPemSigner(generateSigningKeyPem(algorithm));
    const hash = algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256';
    const first = await signer.sign(sha(hash, message));
    const second = await signer.sign(sha(hash, message));
    expect(first.length).toBe(2 * EC_CURVES[algorithm].fieldSize);
    expect(second.equals(first)).toBe(true);
    expect(verify(hash, message, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, first)).toBe(true);
    expect(verify(hash, Buffer.from('other'), { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, first)).toBe(false);
  });

  describe('rsa3072', () => {
    const pem = generateSigningKeyPem('rsa3072');
    const signer = createPemSigner(pem);

    it('signs RSA-PSS SHA-256 / MGF1-SHA-256 / salt 32 over the digest', async () => {
      const signature = await signer.sign(sha('sha256', message));
      expect(signer.algorithm).toBe('rsa3072');
      expect(signature.length).toBe(384);
      const check = (saltLength: number) =>
        verify('sha256', message, { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
      expect(check(32)).toBe(true);
      expect(check(20)).toBe(false);
      expect(verify('sha256', Buffer.from('other'), { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)).toBe(false);
    });

    it('uses a fresh salt for every signature', async () => {
      const digest = sha('sha256', message);
      const [a, b] = [await signer.sign(digest), await signer.sign(digest)];
      expect(a.equals(b)).toBe(false);
    });

    it('describes the key by fingerprint, never by key material', () => {
      expect(signer.description).toMatch(/^pem:rsa3072:sha256-spki=[0-9a-f]{16}$/);
    });
  });
});

describe('createPemSigner: digest length', () => {
  it.each([
    ['ecdsa-p256', 48],
    ['ecdsa-p192', 48],
    ['ecdsa-p384', 32],
    ['rsa3072', 20],
  ] as const)('%s refuses a %d-byte digest with InvalidDigest', async (algorithm, length) => {
    const signer = createPemSigner(generateSigningKeyPem(algorithm));
    await expect(signer.sign(Buffer.alloc(length, 1))).rejects.toMatchObject({ code: ErrorCode.InvalidDigest });
  });
});

describe('createPemSigner: key rules', () => {
  it('refuses an RSA-2048 key naming its size', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
    expect(() => createPemSigner(pem)).toThrow(FleetSignError);
    expect(() => createPemSigner(pem)).toThrow(/2048-bit/);
  });

  it('refuses secp256k1 naming the curve', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'sec1', format: 'pem' });
    expect(() => createPemSigner(pem)).toThrow(/secp256k1/);
  });

  it('refuses a public key', () => {
    const pem = createPublicKey(generateSigningKeyPem('ecdsa-p256')).export({ type: 'spki', format: 'pem' });
    expect(() => createPemSigner(pem)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey }));
  });
});
