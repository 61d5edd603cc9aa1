import {
  MAX_SIGNATURE_BLOCKS,
  type BlockVerification,
  type KeyAlgorithm,
  type VerifyV2Report,
} from '@fleetsign/secure-boot';

/** "RSA" or "ECDSA", as espsecure names a block's key type. */
export function keyKind(algorithm: KeyAlgorithm): 'RSA' | 'ECDSA' {
  return algorithm === 'rsa3072' ? 'RSA' : 'ECDSA';
}

/**
 * espsecure-style lines for a V2 verification: for each of the three block slots, whether
 * it is present, then whether it verified or why not.
 */
export function describeBlockVerification(
  report: VerifyV2Report,
  how: { trustedBy: string; byKey: boolean },
): string[] {
  const lines: string[] = [];
  for (let index = 0; index < MAX_SIGNATURE_BLOCKS; index++) {
    const block = report.blocks.find((b) => b.index === index);
    if (!block) {
      lines.push(`Signature block ${index} invalid. Skipping.`);
      continue;
    }
    lines.push(`Signature block ${index} is valid (${keyKind(block.algorithm)}).`);
    lines.push(
      block.valid
        ? `Signature block ${index} verification successful using ${how.trustedBy}.`
        : `Signature block ${index} ${whyNot(block, how.byKey)}`,
    );
  }
  return lines;
}

function whyNot(block: BlockVerification, byKey: boolean): string {
  if (!block.imageDigestOk) return 'image digest does not match the actual image digest.';
  if (block.keyTrusted === false)
    return byKey
      ? 'is not signed by the supplied key. Checking the next block...'
      : 'public key digest does not match the expected eFuse key digest.';
  if (!block.embeddedKeyConsistent)
    return "holds an inconsistent public key (R or M' do not match the modulus).";
  if (!block.signatureOk) return 'signature does not verify.';
  return block.problems.length > 0 ? `failed: ${block.problems.join('; ')}.` : 'failed verification.';
}
