import {
  padToSector,
  publicKeyDigestV2,
  readSignatureSector,
  RSA_PSS_SALT_LENGTH,
  SECTOR_SIZE,
  verifyV2,
} from '@fleetsign/secure-boot';
import { constants, createHash, createPublicKey, verify } from 'node:crypto';
import { DemoError } from './demo-error';

/** What the demo checked on the signed image, with nothing but the public key. */
export interface LocalVerification {
  /** Bytes covered by the signature (the image padded to 4 KiB). */
  signedDataLength: number;
  /** eFuse key digest (hex) of block 0's key. */
  keyDigest: string;
  /** SHA-256 (hex) of the signed data, as block 0 carries it. */
  imageDigest: string;
  /** verifyV2 with the trusted key and imageLayout 'require' passed. */
  verifyV2: true;
  /** node:crypto RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) verified block 0's signature. */
  nodeCrypto: true;
}

/** What the service claimed, to be checked against the bytes. */
export interface ExpectedSignature {
  publicKeyPem: string;
  /** eFuse digest the gateway published for the profile key (hex). */
  keyDigestEfuse: string;
  /** imageSha256 and signedSha256 of the job result (hex). */
  imageSha256: string;
  signedSha256: string;
}

function check(ok: boolean, problem: string): asserts ok {
  if (!ok) throw new DemoError(`local verification failed: ${problem}`);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Verifies the signed file as a device would and independently of FleetSign's own
 * code paths: the unsigned image is unchanged and padded with 0xFF, verifyV2 accepts
 * the file with the trusted public key and the ESP image layout required, the key
 * digest matches the published eFuse digest, and node:crypto verifies block 0's
 * RSA-PSS signature over the signed data. Throws DemoError naming the first failure.
 */
export function verifySignedImageLocally(
  unsigned: Buffer,
  signed: Buffer,
  expected: ExpectedSignature,
): LocalVerification {
  const publicKey = createPublicKey(expected.publicKeyPem);
  check(
    sha256(signed) === expected.signedSha256,
    'the downloaded file does not match the job result signedSha256',
  );

  const padded = padToSector(unsigned);
  check(
    signed.length === padded.length + SECTOR_SIZE,
    `signed file is ${signed.length} bytes, expected ${padded.length + SECTOR_SIZE}`,
  );
  check(signed.subarray(0, padded.length).equals(padded), 'the image bytes changed during signing');

  const report = verifyV2(signed, { publicKeys: [publicKey], imageLayout: 'require' });
  check(
    report.valid,
    `verifyV2: ${[...report.problems, ...report.blocks.flatMap((b) => b.problems)].join('; ') || 'not valid'}`,
  );
  check(
    report.validBlocks.includes(0) && report.blocks.length === 1,
    `expected exactly one valid block, found ${report.validBlocks.length}`,
  );
  check(report.layout?.ok === true, 'signature sector is not where the device reads it');

  const keyDigest = report.blocks[0].keyDigest.toString('hex');
  check(
    keyDigest === publicKeyDigestV2(publicKey).toString('hex'),
    'block key digest differs from the public key digest',
  );
  check(keyDigest === expected.keyDigestEfuse, 'block key digest differs from the published eFuse digest');

  const signedData = signed.subarray(0, report.signedDataLength);
  const [block] = readSignatureSector(
    signed.subarray(report.signedDataLength, report.signedDataLength + SECTOR_SIZE),
  );
  check(block !== undefined, 'no signature block in the sector');
  const imageDigest = sha256(signedData);
  check(
    block.imageDigest.toString('hex') === imageDigest,
    'block image digest differs from SHA-256 of the signed data',
  );
  check(
    imageDigest === expected.imageSha256,
    'job result imageSha256 differs from SHA-256 of the signed data',
  );
  const nodeCrypto = verify(
    'sha256',
    signedData,
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH },
    block.signature,
  );
  check(nodeCrypto, 'node:crypto RSA-PSS verification of block 0 failed');

  return {
    signedDataLength: report.signedDataLength,
    keyDigest,
    imageDigest,
    verifyV2: true,
    nodeCrypto: true,
  };
}
