export { startSigner, type Signer, type StartSignerOptions } from './start-signer';
export {
  loadSignerSettings,
  loadSignerProcessSettings,
  SIGNER_PROCESS_ENV,
  DEFAULT_SIGNER_METRICS_PORT,
  type SignerSettings,
  type SignerSettingsOverrides,
  type SignerProcessSettings,
  type MetricsListen,
} from './settings/signer-settings';
export { ProfileKeyRegistry, type ProfileStatus } from './keys/profile-key-registry';
export { createKeyOpener, type KeyOpener } from './keys/key-opener';
export { checkKeysForScheme, efuseDigestLength, profileKeysRecord, type OpenProfile, type ProfileKey } from './keys/profile-keys';
export { AuditChain, auditHeadRedisKey, AUDIT_PENDING_TTL_SECONDS } from './audit/audit-chain';
export { auditRecordKey, auditRecordHash, canonicalJson, GENESIS_HASH, type AuditRecord, type ChainHead } from './audit/audit-record';
export { verifyAuditChain, type AuditChainReport } from './audit/verify-audit-chain';
export { SignPipeline, type SignJob } from './pipeline/sign-pipeline';
export { classifyJobError, type JobFailure } from './worker/job-failure';
export { SignerMetrics } from './observability/signer-metrics';
export { SIGNER_LOGGER } from './observability/signer-logger';
export { ReuseIndex, keysetDigest, reuseIndexRedisKey, REUSE_INDEX_TTL_SECONDS, type ReusableSigning } from './reuse/reuse-index';
export { BatchItemStore, type FinishedItem, type RecordedOutcome } from './batch/batch-item-store';
export { manifestText, writeManifest, MANIFEST_PAGE_SIZE } from './batch/batch-manifest';
