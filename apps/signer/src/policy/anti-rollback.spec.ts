import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { AppDescriptorFacts } from '@fleetsign/queue';
import { checkAntiRollback } from './anti-rollback';
import type { SecureVersionVerdict } from './secure-version-ledger';

// The refusals and facts of the anti-rollback check for each ledger verdict (the ledger
// itself, a Redis script, is tested against a real Redis in test/integration/signer).

const app: AppDescriptorFacts = {
  projectName: 'door-lock',
  version: '2.1.0',
  secureVersion: 5,
  idfVersion: 'v5.5.1',
  buildDate: 'Jan  1 2026',
  buildTime: '12:00:00',
};
const rule = { minSecureVersion: 2, monotonic: true, maxStep: 2 };

function ledgerAnswering(verdict: SecureVersionVerdict) {
  const calls: unknown[][] = [];
  return {
    calls,
    checkAndRaise: async (...args: unknown[]) => {
      calls.push(args);
      return verdict;
    },
  };
}

async function refusalOf(verdict: SecureVersionVerdict): Promise<FleetSignError> {
  const error = await checkAntiRollback(ledgerAnswering(verdict), 'release', rule, app).catch((err: unknown) => err);
  if (!(error instanceof FleetSignError)) throw new Error(`expected a FleetSignError, got ${String(error)}`);
  return error;
}

describe('checkAntiRollback', () => {
  it('asks the ledger about the project and secure_version, and reports the version signed before', async () => {
    const ledger = ledgerAnswering({ verdict: 'ok', previous: 4 });
    await expect(checkAntiRollback(ledger, 'release', rule, app)).resolves.toEqual({ previousSecureVersion: 4 });
    expect(ledger.calls).toEqual([['release', 'door-lock', 5, rule]]);
  });

  it('skips images without an app description and profiles without a rule', async () => {
    const ledger = ledgerAnswering({ verdict: 'below-floor', floor: 9 });
    await expect(checkAntiRollback(ledger, 'release', rule, undefined)).resolves.toEqual({});
    await expect(checkAntiRollback(ledger, 'release', undefined, app)).resolves.toEqual({});
    expect(ledger.calls).toEqual([]);
  });

  it('refuses below the floor with SECURE_VERSION_TOO_LOW naming the setting', async () => {
    const error = await refusalOf({ verdict: 'below-floor', floor: 6 });
    expect(error.code).toBe(ErrorCode.SecureVersionTooLow);
    expect(error.message).toBe("project 'door-lock' secure_version 5 is below profile 'release' anti_rollback.min_secure_version 6");
  });

  it('refuses below the highest signed version with SECURE_VERSION_TOO_LOW', async () => {
    const error = await refusalOf({ verdict: 'below-highest', previous: 7 });
    expect(error.code).toBe(ErrorCode.SecureVersionTooLow);
    expect(error.message).toMatch(/below secure_version 7, already signed with profile 'release' \(anti_rollback\.monotonic\)/);
  });

  it('refuses a jump over max_step with SECURE_VERSION_STEP_TOO_LARGE', async () => {
    const error = await refusalOf({ verdict: 'step', base: 2, maxStep: 2, previous: 2 });
    expect(error.code).toBe(ErrorCode.SecureVersionStepTooLarge);
    expect(error.message).toMatch(/jumps 3 over 2; profile 'release' allows at most 2/);
  });
});
