import type { ProfileConfig } from '@fleetsign/config';
import type { SigningPolicyFacts, SignJobData } from '@fleetsign/queue';
import type { EspImage } from '@fleetsign/secure-boot';
import { checkAntiRollback } from './anti-rollback';
import { appDescriptorFacts } from './app-descriptor';
import type { SecureVersionLedger } from './secure-version-ledger';

/** What the signing policy runs on. */
export interface SigningPolicyDeps {
  ledger: Pick<SecureVersionLedger, 'checkAndRaise'>;
  /** The configuration of a profile by name, as now in force. */
  profileConfig(name: string): Pick<ProfileConfig, 'antiRollback'> | undefined;
}

/**
 * The policy decisions of one signing, taken after the image is validated and before
 * any HSM operation: each check throws a FleetSignError with a permanent code when it
 * refuses; otherwise the facts it decided on are returned for the result and the record.
 */
export class SigningPolicy {
  constructor(private readonly deps: SigningPolicyDeps) {}

  async decide(data: Pick<SignJobData, 'profile' | 'requester'>, image: Pick<EspImage, 'appDescription'>): Promise<SigningPolicyFacts> {
    const app = appDescriptorFacts(image);
    const rule = this.deps.profileConfig(data.profile)?.antiRollback;
    const rollback = await checkAntiRollback(this.deps.ledger, data.profile, rule, app);
    return {
      ...(data.requester ? { requester: data.requester } : {}),
      ...(app ? { app } : {}),
      ...rollback,
    };
  }
}
