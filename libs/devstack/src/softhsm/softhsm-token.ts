import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DevStackError } from '../devstack-error';
import { requireExecutable } from '../executables';
import { readOrCreateSecretFile, writeFileAtomic } from '../write-file-atomic';
import { findSoftHsmModule } from './softhsm-module';
import { runTool, ToolFailure } from './run-tool';
import { parsePkcs11Objects, parseSoftHsmSlots, type TokenKeyObject } from './tool-output';

/** Key types a token key can be generated as (pkcs11-tool --key-type): the ones Secure Boot uses. */
export type SoftHsmKeyType = 'rsa:3072' | 'EC:prime256v1' | 'EC:secp384r1' | 'EC:prime192v1';

/** A key pair the token must hold. */
export interface SoftHsmKeySpec {
  /** CKA_LABEL of the private and public key (letters, digits, '.', '_', '-'). */
  label: string;
  /** CKA_ID as hex bytes, e.g. '01'. */
  id: string;
  type: SoftHsmKeyType;
}

/** Options of ensureSoftHsmToken. */
export interface EnsureSoftHsmTokenOptions {
  /** Directory of the token: softhsm2.conf, tokens/ and the SO PIN file live here. */
  dir: string;
  tokenLabel: string;
  /** User PIN; set when the token is created, used to log in afterwards. */
  pin: string;
  keys: readonly SoftHsmKeySpec[];
  /** PKCS#11 module path (default: the installed libsofthsm2.so). */
  modulePath?: string;
}

/** A token ready to use. */
export interface SoftHsmTokenInfo {
  /** Export as SOFTHSM2_CONF for every process that opens the token. */
  confPath: string;
  modulePath: string;
  /** Slot id SoftHSM2 gave the token (stable for the token's life). */
  slotId: number;
  tokenLabel: string;
  /** True when this call created the token; false when it reused an existing one. */
  createdToken: boolean;
  /** Labels of the key pairs this call generated. */
  createdKeys: string[];
}

/** The file holding the token's random SO PIN (mode 0600), next to softhsm2.conf. */
export const SO_PIN_FILE = 'so-pin';

const KEY_SHAPES: Readonly<Record<SoftHsmKeyType, { keyType: string; bits: number }>> = {
  'rsa:3072': { keyType: 'RSA', bits: 3072 },
  'EC:prime256v1': { keyType: 'EC', bits: 256 },
  'EC:secp384r1': { keyType: 'EC', bits: 384 },
  'EC:prime192v1': { keyType: 'EC', bits: 192 },
};

function checkOptions(options: EnsureSoftHsmTokenOptions): void {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(options.tokenLabel)) {
    problems.push('tokenLabel must be 1-32 letters, digits, ".", "_" or "-"');
  }
  if (!/^[\x21-\x7e]{4,255}$/.test(options.pin)) problems.push('pin must be 4-255 visible ASCII characters');
  const labels = new Set<string>();
  const ids = new Set<string>();
  for (const key of options.keys) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(key.label))
      problems.push(`key label '${key.label}' must be 1-64 letters, digits, ".", "_" or "-"`);
    if (!/^([0-9a-fA-F]{2}){1,32}$/.test(key.id))
      problems.push(`key id of '${key.label}' must be hex bytes such as "01"`);
    if (!(key.type in KEY_SHAPES))
      problems.push(`key type of '${key.label}' must be one of ${Object.keys(KEY_SHAPES).join(', ')}`);
    if (labels.has(key.label)) problems.push(`key label '${key.label}' is listed twice`);
    if (ids.has(key.id.toLowerCase())) problems.push(`key id '${key.id}' is listed twice`);
    labels.add(key.label);
    ids.add(key.id.toLowerCase());
  }
  if (problems.length) throw new DevStackError(`ensureSoftHsmToken: ${problems.join('; ')}`);
}

/** softhsm2.conf for a token directory of its own (file backend, quiet log). */
export function softHsmConf(tokenDir: string): string {
  return `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`;
}

async function writeConf(confPath: string, content: string): Promise<void> {
  const existing = await readFile(confPath, 'utf8').catch(() => undefined);
  if (existing !== content) await writeFileAtomic(confPath, content, { mode: 0o600 });
}

/** Checks an existing key pair against what was asked; a mismatch is an error, never silently replaced. */
function checkExistingKey(
  spec: SoftHsmKeySpec,
  privateKey: TokenKeyObject,
  objects: TokenKeyObject[],
  where: string,
): void {
  const want = KEY_SHAPES[spec.type];
  const publicKey = objects.find((o) => o.kind === 'public' && o.label === spec.label);
  const problems: string[] = [];
  if (privateKey.keyType !== want.keyType) problems.push(`it is ${privateKey.keyType}, not ${want.keyType}`);
  else if (publicKey?.bits !== undefined && publicKey.bits !== want.bits)
    problems.push(`it has ${publicKey.bits} bits, not ${want.bits}`);
  if (privateKey.id !== undefined && privateKey.id !== spec.id.toLowerCase())
    problems.push(`its id is ${privateKey.id}, not ${spec.id.toLowerCase()}`);
  if (problems.length) {
    throw new DevStackError(
      `token key '${spec.label}' in ${where} does not match ${spec.type} id ${spec.id}: ${problems.join(', ')}; remove ${where} to create a new token`,
    );
  }
}

/**
 * Makes sure a SoftHSM2 token labelled `tokenLabel` exists in `dir` with every key
 * pair of `keys`: reuses the token and keys already there and generates only the
 * missing ones (so calling it again is cheap and keeps the keys). A new token gets a
 * random SO PIN stored 0600 in `<dir>/so-pin`. Runs softhsm2-util and pkcs11-tool with
 * SOFTHSM2_CONF set in their environment only. DevStackError naming the Debian
 * packages softhsm2 / opensc when the tools are missing, and a clear message when the
 * PIN does not open an existing token or an existing key has another type.
 */
export async function ensureSoftHsmToken(options: EnsureSoftHsmTokenOptions): Promise<SoftHsmTokenInfo> {
  checkOptions(options);
  const softhsmUtil = requireExecutable('softhsm2-util', 'softhsm2');
  const pkcs11Tool = requireExecutable('pkcs11-tool', 'opensc');
  const modulePath = findSoftHsmModule(options.modulePath);

  const dir = resolve(options.dir);
  const tokenDir = join(dir, 'tokens');
  await mkdir(tokenDir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const confPath = join(dir, 'softhsm2.conf');
  await writeConf(confPath, softHsmConf(tokenDir));
  const env = { ...process.env, SOFTHSM2_CONF: confPath };

  const findSlot = async () => {
    const slots = parseSoftHsmSlots(
      await runTool(softhsmUtil, ['--show-slots'], env, 'softhsm2-util --show-slots'),
    );
    return slots.find((slot) => slot.initialized && slot.tokenLabel === options.tokenLabel);
  };

  let slot = await findSlot();
  const createdToken = slot === undefined;
  if (!slot) {
    const soPin = await readOrCreateSecretFile(join(dir, SO_PIN_FILE), () => randomBytes(16).toString('hex'));
    await runTool(
      softhsmUtil,
      [
        '--init-token',
        '--free',
        '--label',
        options.tokenLabel,
        '--so-pin',
        soPin.value,
        '--pin',
        options.pin,
      ],
      env,
      `softhsm2-util --init-token '${options.tokenLabel}'`,
    );
    slot = await findSlot();
    if (!slot)
      throw new DevStackError(
        `SoftHSM2 token '${options.tokenLabel}' was initialised but is not listed by softhsm2-util --show-slots`,
      );
  }

  const tokenArgs = ['--module', modulePath, '--token-label', options.tokenLabel];
  const loginArgs = [...tokenArgs, '--login', '--pin', options.pin];
  let objects: TokenKeyObject[];
  try {
    const privateKeys = await runTool(
      pkcs11Tool,
      [...loginArgs, '--list-objects', '--type', 'privkey'],
      env,
      'pkcs11-tool --list-objects',
    );
    const publicKeys = await runTool(
      pkcs11Tool,
      [...tokenArgs, '--list-objects', '--type', 'pubkey'],
      env,
      'pkcs11-tool --list-objects',
    );
    objects = [...parsePkcs11Objects(privateKeys), ...parsePkcs11Objects(publicKeys)];
  } catch (err) {
    if (err instanceof ToolFailure && /CKR_PIN_(INCORRECT|LOCKED|LEN_RANGE)/.test(err.output)) {
      throw new DevStackError(
        `the PIN does not open SoftHSM2 token '${options.tokenLabel}' in ${dir} (${/CKR_PIN_\w+/.exec(err.output)?.[0]}); ` +
          `remove ${dir} to create a new token`,
      );
    }
    throw err;
  }

  const createdKeys: string[] = [];
  // One key at a time: SoftHSM2's file store is not safe for concurrent writers.
  for (const spec of options.keys) {
    const existing = objects.find((o) => o.kind === 'private' && o.label === spec.label);
    if (existing) {
      checkExistingKey(spec, existing, objects, dir);
      continue;
    }
    await runTool(
      pkcs11Tool,
      [
        ...loginArgs,
        '--keypairgen',
        '--key-type',
        spec.type,
        '--label',
        spec.label,
        '--id',
        spec.id.toLowerCase(),
      ],
      env,
      `pkcs11-tool --keypairgen ${spec.type} '${spec.label}'`,
    );
    createdKeys.push(spec.label);
  }

  return {
    confPath,
    modulePath,
    slotId: slot.slotId,
    tokenLabel: options.tokenLabel,
    createdToken,
    createdKeys,
  };
}
