import { findProfile, type KeyConfig, loadFleetSignConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeySigner } from '@fleetsign/keys';
import { openConfiguredKey } from '@fleetsign/keys/configured-key';
import type { CommandContext } from '../command-context';

// A key of a profile in the FleetSign configuration file, opened as the signer opens it
// (same module, slot or token, key label/id, PIN file or variable, KMS key id), for
// commands that work with service keys from the operator's machine.

/** Where a configured key lives, in words (never its PIN). */
export function describeKeyConfig(key: KeyConfig): string {
  switch (key.provider) {
    case 'pkcs11': {
      const token = key.tokenLabel !== undefined ? `token ${key.tokenLabel}` : `slot ${key.slot}`;
      const object = [key.keyLabel !== undefined ? `label ${key.keyLabel}` : undefined, key.keyId !== undefined ? `id ${key.keyId}` : undefined].filter(Boolean).join(', ');
      return `pkcs11 ${token}, ${object}`;
    }
    case 'pem':
      return `pem ${key.path}`;
    case 'aws-kms':
      return `aws-kms ${key.keyId} (${key.region})`;
  }
}

/** True when `wanted` names this key: its index, PKCS#11 key label or id, or KMS key id. */
function names(key: KeyConfig, index: number, wanted: string): boolean {
  if (wanted === String(index)) return true;
  if (key.provider === 'pkcs11') return key.keyLabel === wanted || key.keyId === wanted.toLowerCase();
  if (key.provider === 'aws-kms') return key.keyId === wanted;
  return false;
}

/** The key `wanted` (index, label or key id) of profile `profileName`; the only key when `wanted` is not given. */
export function selectProfileKey(
  configPath: string,
  profileName: string,
  wanted: string | undefined,
  env: NodeJS.ProcessEnv,
): { key: KeyConfig; at: string } {
  // The same checks the signer makes at start-up: a missing PIN file or module is named here.
  const config = loadFleetSignConfig(configPath, env, { checkKeyReferences: true });
  const profile = findProfile(config, profileName);
  if (!profile) {
    const known = config.profiles.map((p) => p.name).join(', ') || 'none';
    throw new FleetSignError(ErrorCode.UnknownProfile, `${configPath}: no profile '${profileName}' (profiles: ${known})`, { profile: profileName });
  }
  const listing = () => profile.keys.map((key, i) => `${i}: ${describeKeyConfig(key)}`).join('; ');
  let index: number;
  if (wanted === undefined) {
    if (profile.keys.length > 1) {
      throw new FleetSignError(ErrorCode.InvalidArgument, `profile '${profileName}' has ${profile.keys.length} keys; choose one with --key (${listing()})`);
    }
    index = 0;
  } else {
    index = profile.keys.findIndex((key, i) => names(key, i, wanted));
    if (index < 0) throw new FleetSignError(ErrorCode.KeyNotFound, `profile '${profileName}' has no key '${wanted}' (${listing()})`, { profile: profileName });
  }
  return { key: profile.keys[index], at: `profiles[${profileName}].keys[${index}]` };
}

/** Opens the selected key with one session; its PIN is registered as a secret so no message shows it. */
export function openProfileKey(key: KeyConfig, at: string, context: CommandContext): Promise<KeySigner> {
  return openConfiguredKey(key, at, { env: context.env, pkcs11Sessions: 1, onSecret: (pin) => context.secrets.add(pin) });
}
