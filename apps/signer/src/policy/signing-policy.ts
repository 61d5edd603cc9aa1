import { type CertificatePolicyConfig, keyLocator, lifecycleFactsAt, type ProfileConfig, profileRefusalAt } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SigningPolicyFacts, SignJobData } from '@fleetsign/queue';
import type { EspImage } from '@fleetsign/secure-boot';
import type { OpenProfile } from '../keys/profile-keys';
import { checkAntiRollback } from './anti-rollback';
import { appDescriptorFacts } from './app-descriptor';
import { checkKeyCertificate } from './certificate-check';
import { type CertificateMaterial, loadCertificateMaterial } from './certificate-material';
import type { SecureVersionLedger } from './secure-version-ledger';

/** What the signing policy runs on. */
export interface SigningPolicyDeps {
  ledger: Pick<SecureVersionLedger, 'checkAndRaise'>;
  /** The configuration of a profile by name, as now in force. */
  profileConfig(name: string): Partial<Pick<ProfileConfig, 'name' | 'state' | 'revokedAt' | 'keys'>> & Pick<ProfileConfig, 'antiRollback' | 'certificates'> | undefined;
  /** The clock certificates are checked against. */
  now?: () => Date;
}

/**
 * The policy decisions of one signing, taken after the image is validated and before
 * any HSM operation: each check throws a FleetSignError with a permanent code when it
 * refuses; otherwise the facts it decided on are returned for the result and the record.
 * The anti-rollback check goes last: it records the secure_version as signed.
 */
export class SigningPolicy {
  /** Parsed certificate files per configuration object: a reloaded configuration reads them again. */
  private readonly materials = new WeakMap<CertificatePolicyConfig, Promise<CertificateMaterial>>();

  constructor(private readonly deps: SigningPolicyDeps) {}

  async decide(
    data: Pick<SignJobData, 'profile' | 'requester' | 'approval'>,
    image: Pick<EspImage, 'appDescription'>,
    profile: Pick<OpenProfile, 'keys' | 'locators'>,
  ): Promise<SigningPolicyFacts> {
    const config = this.deps.profileConfig(data.profile);
    const lifecycle = this.checkLifecycle(data.profile, config, profile);
    const certificates = config?.certificates ? await this.checkCertificates(data.profile, config.certificates, profile) : undefined;
    const app = appDescriptorFacts(image);
    const rollback = await checkAntiRollback(this.deps.ledger, data.profile, config?.antiRollback, app);
    return {
      ...(data.requester ? { requester: data.requester } : {}),
      ...(app ? { app } : {}),
      ...rollback,
      ...(certificates ? { certificates } : {}),
      ...(data.approval ? { approvals: data.approval.decisions } : {}),
      ...(lifecycle ? { lifecycle } : {}),
    };
  }

  /**
   * The authoritative lifecycle check, against the configuration in force now: a revoked
   * profile or key, or a key outside not_before / not_after, signs nothing. Returns the
   * states the signing is made under when one is not active (retiring), for the record.
   */
  private checkLifecycle(name: string, config: ReturnType<SigningPolicyDeps['profileConfig']>, profile: Pick<OpenProfile, 'keys' | 'locators'>): SigningPolicyFacts['lifecycle'] {
    if (!config?.keys || !config.state) return undefined;
    const now = (this.deps.now?.() ?? new Date()).getTime();
    const live = { name, state: config.state, revokedAt: config.revokedAt, keys: config.keys };
    const refusal = profileRefusalAt(live, now);
    if (refusal) throw refusal;
    const locators = config.keys.map(keyLocator);
    if (profile.locators && (profile.locators.length !== locators.length || profile.locators.some((locator, i) => locator !== locators[i]))) {
      // A reload changed the profile's keys and the new ones are still being opened: retry shortly.
      throw new FleetSignError(ErrorCode.HsmUnavailable, `profile '${name}': its keys changed with a configuration reload and are being opened`, { profile: name });
    }
    const facts = lifecycleFactsAt(live, now);
    if (facts.profileState === 'active' && facts.keyStates.every((key) => key.state === 'active')) return undefined;
    return { profileState: facts.profileState as 'active' | 'retiring', keyStates: facts.keyStates as Array<{ index: number; state: 'active' | 'retiring' }> };
  }

  private async checkCertificates(name: string, config: CertificatePolicyConfig, profile: Pick<OpenProfile, 'keys'>) {
    const material = await this.material(config);
    const now = this.deps.now?.() ?? new Date();
    const facts = [];
    for (const key of profile.keys) facts.push(await checkKeyCertificate(material, key.index, key.publicKey, name, now));
    return facts;
  }

  private material(config: CertificatePolicyConfig): Promise<CertificateMaterial> {
    let material = this.materials.get(config);
    if (!material) {
      material = loadCertificateMaterial(config);
      // A file that could not be read is read again by the next job.
      material.catch(() => this.materials.delete(config));
      this.materials.set(config, material);
    }
    return material;
  }
}
