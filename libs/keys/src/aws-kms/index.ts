export { type AwsKmsSignerOptions, createAwsKmsSigner } from './aws-kms-signer';
export { type KmsCallContext, kmsErrorToFleetSignError } from './kms-errors';
export { KMS_SIGNING_MODES, type KmsSigningMode, kmsSigningModeOf } from './kms-key-spec';
