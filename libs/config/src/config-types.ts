import type { SigningScheme } from '@fleetsign/secure-boot';
import type { ApiScope, ProfileState } from './file-schema';
import type { AntiRollbackConfig, CertificatePolicyConfig, UsageLimitConfig } from './policy-schema';
import type { IdentityConfig, TenantQuotasConfig } from './identity-schema';
import type { ApprovalConfig } from './approval-schema';
import type { LifecycleConfig } from './lifecycle-schema';
import type { SecretRef } from './secret-ref';

export type { ApiScope, ProfileState } from './file-schema';

/** A key on a PKCS#11 token; fields match `Pkcs11KeyRef` of @fleetsign/keys except the PIN, read via resolveSecret. */
export interface Pkcs11KeyConfig {
  readonly provider: 'pkcs11';
  /** When the key may sign (state, revoked_at, not_before, not_after); absent on the log key. */
  readonly lifecycle?: LifecycleConfig;
  readonly modulePath: string;
  readonly slot?: number;
  readonly tokenLabel?: string;
  readonly keyLabel?: string;
  /** Hex CKA_ID, lower case. */
  readonly keyId?: string;
  readonly publicKeyLabel?: string;
  readonly pin: SecretRef;
  readonly sessions?: number;
}

/** A software key in a PEM file (development, espsecure parity). */
export interface PemKeyConfig {
  readonly provider: 'pem';
  /** When the key may sign (state, revoked_at, not_before, not_after); absent on the log key. */
  readonly lifecycle?: LifecycleConfig;
  /** Absolute path of the private key PEM. */
  readonly path: string;
}

/** An asymmetric SIGN_VERIFY key in AWS KMS; AWS credentials come from the SDK's default chain. */
export interface AwsKmsKeyConfig {
  readonly provider: 'aws-kms';
  /** When the key may sign (state, revoked_at, not_before, not_after); absent on the log key. */
  readonly lifecycle?: LifecycleConfig;
  /** Key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  readonly region: string;
  readonly endpoint?: string;
}

export type KeyConfig = Pkcs11KeyConfig | PemKeyConfig | AwsKmsKeyConfig;

/** A signing profile: which scheme, which keys (one signature block each), for which chips. */
export interface ProfileConfig {
  readonly name: string;
  readonly scheme: SigningScheme;
  /** 1-3 keys (exactly 1 for sbv1-ecdsa-p256), in signature block order. */
  readonly keys: readonly KeyConfig[];
  /** Canonical chip names ('ESP32-S3'); undefined allows every chip the scheme can boot. */
  readonly allowedChips?: readonly string[];
  readonly state: ProfileState;
  /** With state revoked: from when (epoch ms); undefined means since always. */
  readonly revokedAt?: number;
  readonly description?: string;
  /** secure_version rules for app images; undefined signs any secure_version. */
  readonly antiRollback?: AntiRollbackConfig;
  /** Code-signing certificates of the keys, checked before every signing; undefined: none. */
  readonly certificates?: CertificatePolicyConfig;
  /** Per key, in key order: its `usage_limit` (undefined: unlimited); undefined when no key of the profile has one. */
  readonly usageLimits?: readonly (UsageLimitConfig | undefined)[];
  /** Dual control: approvals a job or batch needs before it is signed; undefined: none. */
  readonly approval?: ApprovalConfig;
}

/** An API key: only the SHA-256 of its bearer token is configured. */
export interface ApiKeyConfig {
  readonly id: string;
  /** Hex SHA-256 of the bearer token, lower case. */
  readonly tokenSha256: string;
  readonly tenant: string;
  /** Profile names this key may use; ['*'] means all. */
  readonly profiles: readonly string[];
  readonly scopes: readonly ApiScope[];
  readonly description?: string;
}

/** A tenant: owner of API keys, jobs and webhook endpoints. */
export interface TenantConfig {
  readonly name: string;
  /** Standard Webhooks signing secret ('whsec_...') for this tenant's webhook events. */
  readonly webhookSecret?: SecretRef;
  readonly description?: string;
  /** Requests per minute and signatures per day; undefined: unlimited. */
  readonly quotas?: TenantQuotasConfig;
}

/** The validated configuration file (FLEETSIGN_CONFIG). Secrets are references, read on use. */
export interface FleetSignConfig {
  /** The file it was read from, for messages. */
  readonly source: string;
  readonly profiles: readonly ProfileConfig[];
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly tenants: readonly TenantConfig[];
  /** CI identities whose OIDC tokens are accepted besides API keys; absent: none. */
  readonly identities?: readonly IdentityConfig[];
  /** The transparency log's identity and checkpoint key; without it no checkpoints are signed. */
  readonly transparencyLog?: TransparencyLogConfig;
}

/** The `transparency_log` section. */
export interface TransparencyLogConfig {
  readonly origin: string;
  readonly key: KeyConfig;
  readonly checkpointEvery: number;
  readonly checkpointIntervalMs: number;
  /** Folder of the log in the object store ('log/'). */
  readonly storePrefix: string;
}
