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
export { TransparencyLog, LOG_GROUP_MAX } from './transparency-log/transparency-log';
export { LogStore, type LoggedEntry } from './transparency-log/log-store';
export { LogHeadCache, logHeadRedisKey } from './transparency-log/log-head-cache';
export { AppendLease, LOG_LEASE_MS } from './transparency-log/append-lease';
export { Checkpointer, logPublicKeyRedisKey } from './transparency-log/checkpointer';
export { SignPipeline, type SignJob } from './pipeline/sign-pipeline';
export { classifyJobError, type JobFailure } from './worker/job-failure';
export { SignerMetrics } from './observability/signer-metrics';
export { SIGNER_LOGGER } from './observability/signer-logger';
export { ReuseIndex, keysetDigest, reuseIndexRedisKey, REUSE_INDEX_TTL_SECONDS, type ReusableSigning } from './reuse/reuse-index';
export { manifestText, writeManifest, MANIFEST_PAGE_SIZE } from './batch/batch-manifest';
