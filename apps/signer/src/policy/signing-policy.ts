import type { CertificatePolicyConfig, ProfileConfig } from '@fleetsign/config';
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
  profileConfig(name: string): Pick<ProfileConfig, 'antiRollback' | 'certificates'> | undefined;
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
    profile: Pick<OpenProfile, 'keys'>,
  ): Promise<SigningPolicyFacts> {
    const config = this.deps.profileConfig(data.profile);
    const certificates = config?.certificates ? await this.checkCertificates(data.profile, config.certificates, profile) : undefined;
    const app = appDescriptorFacts(image);
    const rollback = await checkAntiRollback(this.deps.ledger, data.profile, config?.antiRollback, app);
    return {
      ...(data.requester ? { requester: data.requester } : {}),
      ...(app ? { app } : {}),
      ...rollback,
      ...(certificates ? { certificates } : {}),
      ...(data.approval ? { approvals: data.approval.decisions } : {}),
    };
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
