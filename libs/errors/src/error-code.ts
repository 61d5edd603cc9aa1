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
  // Key lifecycle (issue 8): a key outside its validity or revoked signs nothing (never retried)
  KeyRevoked = 'KEY_REVOKED',
  KeyNotYetValid = 'KEY_NOT_YET_VALID',
  KeyExpired = 'KEY_EXPIRED',
  // the request line or headers (a long query string counts) are past the gateway's limit: 431
  RequestHeadersTooLarge = 'REQUEST_HEADERS_TOO_LARGE',
  // Key usage limits (issue 8): a key's usage_limit has no signature left (total, or in its window); never retried
  KeyUsageLimitReached = 'KEY_USAGE_LIMIT_REACHED',
  // CI identity and tenant quotas (issue 8, items 7 and 8)
  /** A bearer token that reads as a JWT but no configured identity accepts (expired, wrong audience or claims, unknown key...): 401. */
  TokenInvalid = 'TOKEN_INVALID',
  /** The tenant sent more requests this minute than its quota allows: 429. */
  RateLimited = 'RATE_LIMITED',
  /** The images submitted do not fit in the tenant's signatures for the day: 429, nothing accepted. */
  QuotaExceeded = 'QUOTA_EXCEEDED',
  // Approvals (issue 8, dual control): a profile's jobs and batches wait for N approvers
  /** An approver rejected the job or batch: it failed without any HSM operation. */
  ApprovalRejected = 'APPROVAL_REJECTED',
  /** Not enough approvals arrived before the approval's expiry: failed without any HSM operation. */
  ApprovalExpired = 'APPROVAL_EXPIRED',
  /** The caller is not one of the profile's approvers (not named, lacks the scope, or another tenant). */
  ApproverNotAllowed = 'APPROVER_NOT_ALLOWED',
  /** The requester of a job or batch may never approve or reject it (dual control). */
  ApprovalByRequester = 'APPROVAL_BY_REQUESTER',
  /** This approver already decided on the job or batch; each approver counts once. */
  ApprovalAlreadyDecided = 'APPROVAL_ALREADY_DECIDED',
  /** The approval is over (released, rejected or expired): no decision is taken any more. */
  ApprovalClosed = 'APPROVAL_CLOSED',
  // Redis loss (issue 7): POST /v1/admin/reconcile while another gateway runs one: 409
  ReconcileRunning = 'RECONCILE_RUNNING',
  // Transparency log and uploads (issue 7): an upload whose bytes are not the SHA-256 declared for its URL (nothing stored)
  UploadChecksumMismatch = 'UPLOAD_CHECKSUM_MISMATCH',
}
