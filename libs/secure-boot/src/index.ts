// Public API of @fleetsign/secure-boot: pure functions over bytes for ESP images
// and Secure Boot V1/V2 signatures. No I/O, no key access (signers are passed in).

export * from './algorithms';
export * from './curves';
export * from './keys';
export * from './ecdsa-codec';
export { crc32 } from './crc';
export {
  SIGNATURE_BLOCK_SIZE,
  SIGNATURE_BLOCK_MAGIC,
  BLOCK_VERSION_RSA,
  BLOCK_VERSION_ECDSA,
  isBlockFramePresent,
} from './block-frame';
export { RSA_BLOCK_OFFSETS, RSA_MODULUS_BYTES, rsaMontgomeryConstants } from './rsa-block';
export { ecdsaBlockOffsets, type EcdsaBlockOffsets } from './ecdsa-block';
export * from './signature-block';
export { RSA_PSS_SALT_LENGTH, imageDigestFor, verifyRawSignature } from './signature-check';
export {
  SECTOR_SIZE,
  MAX_SIGNATURE_BLOCKS,
  padToSector,
  buildSignatureSector,
  readSignatureSector,
} from './signature-sector';
export { NO_VALID_BLOCKS_NOTICE, type SignV2Result } from './signed-image-v2';
export * from './sign-v2';
export * from './sign-sector-v2';
export {
  sectorPaddingLength,
  erasedBytes,
  updateWithErased,
  paddedImageDigest,
  verifyPaddedSignature,
} from './padded-data';
export * from './external-signatures-v2';
export * from './verify-v2';
export * from './signature-info-v2';
export * from './v1';

export * from './chips';
export * from './esp-image';
export * from './image-policy';
export * from './schemes';
export * from './image-builder';
