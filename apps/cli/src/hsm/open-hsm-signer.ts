import { type HsmConfig, hsmConfigToKeyRef, openPkcs11Signer, parseHsmConfigIni, type KeySigner } from '@fleetsign/keys';
import type { CommandContext } from '../command-context';
import { readTextFile } from '../io/read-input';
import { promptSecretFromTerminal } from '../io/prompt-secret';

/** Environment variable that can hold the HSM PIN when the config file has no `credentials`. */
export const HSM_PIN_ENV = 'FLEETSIGN_HSM_PIN';

/**
 * Opens the PKCS#11 key an espsecure-style INI file (`[hsm_config]`) describes. The PIN
 * comes from `credentials`, else FLEETSIGN_HSM_PIN, else a no-echo terminal prompt; it is
 * registered as a secret so no message can show it.
 */
export async function openHsmSigner(configPath: string, context: CommandContext): Promise<KeySigner> {
  const { config, pin } = await readHsmConfig(configPath, context);
  // One command signs at most one digest: a single session is enough.
  return openPkcs11Signer({ ...hsmConfigToKeyRef(config, pin), sessions: 1 });
}

/** An espsecure-style INI file and its PIN (from `credentials`, FLEETSIGN_HSM_PIN or a prompt), registered as a secret. */
export async function readHsmConfig(configPath: string, context: CommandContext): Promise<{ config: HsmConfig; pin: string }> {
  const config = parseHsmConfigIni(await readTextFile(configPath, 'HSM config file'));
  const pin = config.credentials ?? context.env[HSM_PIN_ENV] ?? (await promptPin(config.label, context));
  context.secrets.add(pin);
  return { config, pin };
}

function promptPin(label: string, context: CommandContext): Promise<string> {
  const prompt = `Enter the PIN for the HSM key "${label}": `;
  return context.io.promptSecret ? context.io.promptSecret(prompt) : promptSecretFromTerminal(prompt);
}
