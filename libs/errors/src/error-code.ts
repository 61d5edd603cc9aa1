/**
 * Every stable, machine-readable error code FleetSign emits: HTTP problem
 * responses, job failure reasons and CLI messages all use these values.
 * Values are part of the public API: never rename one, only add.
 */
export enum ErrorCode {
  // Input images and signature data
  InvalidImage = 'INVALID_IMAGE',
  ImageTooLarge = 'IMAGE_TOO_LARGE',
  ImageNotAligned = 'IMAGE_NOT_ALIGNED',
  ImageTrailingData = 'IMAGE_TRAILING_DATA',
  ChipSchemeMismatch = 'CHIP_SCHEME_MISMATCH',
  TooManySignatureBlocks = 'TOO_MANY_SIGNATURE_BLOCKS',
  AlreadySigned = 'ALREADY_SIGNED',
  InvalidSignatureBlock = 'INVALID_SIGNATURE_BLOCK',
  NoSignatureBlocks = 'NO_SIGNATURE_BLOCKS',
  ImageDigestMismatch = 'IMAGE_DIGEST_MISMATCH',
  SignatureVerificationFailed = 'SIGNATURE_VERIFICATION_FAILED',
  KeyDigestMismatch = 'KEY_DIGEST_MISMATCH',
  SectorMisplaced = 'SECTOR_MISPLACED',

  // Keys and HSMs
  UnsupportedKey = 'UNSUPPORTED_KEY',
  KeyNotFound = 'KEY_NOT_FOUND',
  KeyMechanismMismatch = 'KEY_MECHANISM_MISMATCH',
  InvalidDigest = 'INVALID_DIGEST',
  HsmPinIncorrect = 'HSM_PIN_INCORRECT',
  HsmUnavailable = 'HSM_UNAVAILABLE',
  HsmError = 'HSM_ERROR',
  KmsError = 'KMS_ERROR',

  // Requests, configuration, service
  InvalidArgument = 'INVALID_ARGUMENT',
  InvalidConfig = 'INVALID_CONFIG',
  FileExists = 'FILE_EXISTS',
  IoError = 'IO_ERROR',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  UnknownProfile = 'UNKNOWN_PROFILE',
  ProfileRevoked = 'PROFILE_REVOKED',
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  MalformedRequest = 'MALFORMED_REQUEST',
  ValidationFailed = 'VALIDATION_FAILED',
  SourceNotFound = 'SOURCE_NOT_FOUND',
  StorageError = 'STORAGE_ERROR',
  WebhookTargetRefused = 'WEBHOOK_TARGET_REFUSED',
  WebhookDeliveryFailed = 'WEBHOOK_DELIVERY_FAILED',
  ProfileKeysUnavailable = 'PROFILE_KEYS_UNAVAILABLE',
  Internal = 'INTERNAL',

  // Operator console and batch client honesty (issue 10)
  /** The uploaded image's header names a chip outside the profile's allowed chips (refused at submission). */
  ChipNotAllowed = 'CHIP_NOT_ALLOWED',
  // Faults (issue 7): a dependency the service needs (Redis, the object store) is away for now
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  // Signing policy (issue 8): refusals caused by the request, never retried
  SecureVersionTooLow = 'SECURE_VERSION_TOO_LOW',
  SecureVersionStepTooLarge = 'SECURE_VERSION_STEP_TOO_LARGE',
  CertificateExpired = 'CERTIFICATE_EXPIRED',
  CertificateNotYetValid = 'CERTIFICATE_NOT_YET_VALID',
  CertificateKeyMismatch = 'CERTIFICATE_KEY_MISMATCH',
  CertificateUntrusted = 'CERTIFICATE_UNTRUSTED',
  CertificateRevoked = 'CERTIFICATE_REVOKED',
  CertificateUsage = 'CERTIFICATE_USAGE',
  // the request line or headers (a long query string counts) are past the gateway's limit: 431
  RequestHeadersTooLarge = 'REQUEST_HEADERS_TOO_LARGE',
  // Transparency log and uploads (issue 7): an upload whose bytes are not the SHA-256 declared for its URL (nothing stored)
  UploadChecksumMismatch = 'UPLOAD_CHECKSUM_MISMATCH',
}
