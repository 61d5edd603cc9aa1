import type { AntiRollbackConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { AppDescriptorFacts } from '@fleetsign/queue';
import type { SecureVersionLedger, SecureVersionVerdict } from './secure-version-ledger';

/**
 * Applies a profile's anti-rollback rule to an app image: SecureVersionTooLow below
 * the floor or (monotonic) below the highest secure_version signed for the project,
 * SecureVersionStepTooLarge for a jump of more than max_step. Returns the highest
 * version signed before, for the record. Images without an app description
 * (bootloaders) and profiles without a rule are not checked.
 */
export async function checkAntiRollback(
  ledger: Pick<SecureVersionLedger, 'checkAndRaise'>,
  profile: string,
  rule: AntiRollbackConfig | undefined,
  app: AppDescriptorFacts | undefined,
): Promise<{ previousSecureVersion?: number }> {
  if (!rule || !app) return {};
  const decided = await ledger.checkAndRaise(profile, app.projectName, app.secureVersion, rule);
  if (decided.verdict !== 'ok') throw refusal(profile, app, decided);
  return decided.previous !== undefined ? { previousSecureVersion: decided.previous } : {};
}

function refusal(profile: string, app: AppDescriptorFacts, decided: Exclude<SecureVersionVerdict, { verdict: 'ok' }>): FleetSignError {
  const image = `project '${app.projectName}' secure_version ${app.secureVersion}`;
  const details = { profile, projectName: app.projectName, secureVersion: app.secureVersion };
  switch (decided.verdict) {
    case 'below-floor':
      return new FleetSignError(
        ErrorCode.SecureVersionTooLow,
        `${image} is below profile '${profile}' anti_rollback.min_secure_version ${decided.floor}`,
        { ...details, minSecureVersion: decided.floor },
      );
    case 'below-highest':
      return new FleetSignError(
        ErrorCode.SecureVersionTooLow,
        `${image} is below secure_version ${decided.previous}, already signed with profile '${profile}' (anti_rollback.monotonic)`,
        { ...details, highestSigned: decided.previous },
      );
    case 'step':
      return new FleetSignError(
        ErrorCode.SecureVersionStepTooLarge,
        `${image} jumps ${app.secureVersion - decided.base} over ${decided.base}; profile '${profile}' allows at most ${decided.maxStep} (anti_rollback.max_step; each step burns an eFuse bit)`,
        { ...details, base: decided.base, maxStep: decided.maxStep },
      );
  }
}
