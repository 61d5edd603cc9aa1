import type { ApprovalDecision } from './approval';
// The policy facts of one signing: who asked and what was signed, as the signer decided
// on them. They cross the signer -> gateway / notifier / batch manifest boundary in the
// job result and are a field of the signing's record (audit entry, transparency log leaf).

/** The `esp_app_desc_t` of an app image, as signed (bootloader images have none). */
export interface AppDescriptorFacts {
  /** `project_name`: the key anti-rollback counts secure versions under. */
  projectName: string;
  version: string;
  /** Anti-rollback version the bootloader compares with the chip's eFuse. */
  secureVersion: number;
  idfVersion: string;
  /** Build date and time as the compiler wrote them (`__DATE__` "Mmm dd yyyy", `__TIME__`). */
  buildDate: string;
  buildTime: string;
}

/** The code-signing certificate of a key, as checked before the signing. */
export interface CertificateFacts {
  /** Signature block index of the key. */
  keyIndex: number;
  /** Serial number (upper-case hex). */
  serial: string;
  subject: string;
  issuer: string;
  /** SHA-256 of the DER certificate (lower-case hex). */
  sha256Fingerprint: string;
  /** ISO-8601 end of validity. */
  notAfter: string;
}

/** The usage of one limited key after a signing (keys with a usage_limit). */
export interface KeyUsageFacts {
  /** Signature block index of the key. */
  keyIndex: number;
  /** Hex SHA-256 public-key digest: the key is counted by it, across profiles. */
  keyDigestSha256: string;
  /** This signature's place among the key's signatures (1 = the first). */
  count: number;
  /** usage_limit.max_signatures and what is left of it after this signing. */
  maxSignatures?: number;
  remaining?: number;
  /** usage_limit.window / max: signatures within the window (this one included) and what is left. */
  window?: { length: string; max: number; used: number; remaining: number };
}

/** Every policy fact of one signing. */
export interface SigningPolicyFacts {
  /** The API key that submitted the job (or its batch); absent on jobs queued before requesters were recorded. */
  requester?: string;
  /** The image's app description; absent for images without one (bootloaders). */
  app?: AppDescriptorFacts;
  /**
   * Highest secure_version signed with the profile for this project name before this
   * signing (anti-rollback); absent when the profile has no anti_rollback or none was signed yet.
   */
  previousSecureVersion?: number;
  /** The keys' code-signing certificates, for profiles with trust_anchors_file. */
  certificates?: CertificateFacts[];
  /** Usage of the keys with a usage_limit, as reserved for this signing (absent when no new signature was made). */
  usage?: KeyUsageFacts[];
  /** Profiles with approvals: every approver's decision that released the signing. */
  approvals?: ApprovalDecision[];
  /** Key lifecycle: the states the signing was made under; absent when the profile and every key were active. */
  lifecycle?: LifecycleFacts;
}

/** The profile's and each key's state at a signing (`retiring` signs; a revoked one never does). */
export interface LifecycleFacts {
  profileState: 'active' | 'retiring';
  keyStates: Array<{ index: number; state: 'active' | 'retiring' }>;
}
