import { parse as parseIni } from 'ini';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { Pkcs11KeyRef } from './pkcs11/pkcs11-key-ref';

/** espsecure's --hsm-config settings, plus FleetSign's token_label. */
export interface HsmConfig {
  pkcs11Lib: string;
  slot?: number;
  tokenLabel?: string;
  label: string;
  labelPubkey?: string;
  /** The user PIN. */
  credentials?: string;
}

const SECTION = 'hsm_config';

function invalid(message: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidConfig, `HSM config: ${message}`);
}

// espsecure reads this file with Python's configparser: '=' or ':' separates key and
// value, keys are case-insensitive, values are literal (no inline comments, no quote
// removal). The ini package strips '; ...' and quotes from values, so each value is
// handed to it JSON-quoted, which it reads back verbatim.
function toIniText(text: string): string {
  const out: string[] = [];
  let inEntry = false;
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      inEntry = false;
      out.push('');
      continue;
    }
    if (/^\s/.test(line) && inEntry) throw invalid(`line ${index + 1}: multi-line values are not supported`);
    if (trimmed.startsWith('[')) {
      if (!trimmed.endsWith(']')) throw invalid(`line ${index + 1}: malformed section header`);
      inEntry = false;
      out.push(trimmed);
      continue;
    }
    const separator = trimmed.search(/[=:]/);
    if (separator <= 0) throw invalid(`line ${index + 1}: expected "key = value"`);
    const key = trimmed.slice(0, separator).trim().toLowerCase();
    const value = trimmed.slice(separator + 1).trim();
    out.push(`${key} = ${JSON.stringify(value)}`);
    inEntry = true;
  }
  return out.join('\n');
}

function optional(section: Record<string, unknown>, key: string): string | undefined {
  const value = section[key];
  if (value === undefined) return undefined;
  const text = String(value);
  return text === '' ? undefined : text;
}

function required(section: Record<string, unknown>, key: string): string {
  const value = optional(section, key);
  if (value === undefined) throw invalid(`"${key}" is required in [${SECTION}]`);
  return value;
}

/**
 * Parses an espsecure --hsm-config INI file ([hsm_config]: pkcs11_lib, slot, label,
 * label_pubkey, credentials) plus FleetSign's token_label; InvalidConfig when unusable.
 */
export function parseHsmConfigIni(text: string): HsmConfig {
  const sections = parseIni(toIniText(text)) as Record<string, unknown>;
  const section = sections[SECTION];
  if (typeof section !== 'object' || section === null) {
    const found = Object.keys(sections).filter((name) => typeof sections[name] === 'object');
    throw invalid(`no [${SECTION}] section${found.length ? ` (found ${found.map((s) => `[${s}]`).join(', ')})` : ''}`);
  }
  const values = section as Record<string, unknown>;
  const slotText = optional(values, 'slot');
  let slot: number | undefined;
  if (slotText !== undefined) {
    if (!/^\+?\d+$/.test(slotText)) throw invalid(`"slot" must be a non-negative integer, got "${slotText}"`);
    slot = Number(slotText);
    if (!Number.isSafeInteger(slot)) throw invalid(`"slot" ${slotText} is out of range`);
  }
  const tokenLabel = optional(values, 'token_label');
  if (slot === undefined && tokenLabel === undefined) throw invalid(`"slot" (or FleetSign's "token_label") is required in [${SECTION}]`);
  return {
    pkcs11Lib: required(values, 'pkcs11_lib'),
    slot,
    tokenLabel,
    label: required(values, 'label'),
    labelPubkey: optional(values, 'label_pubkey'),
    credentials: optional(values, 'credentials'),
  };
}

/** The PKCS#11 key reference an HSM config describes; `pin` overrides `credentials`. */
export function hsmConfigToKeyRef(config: HsmConfig, pin?: string): Pkcs11KeyRef {
  const userPin = pin ?? config.credentials;
  if (userPin === undefined) throw invalid('no PIN: set "credentials" or pass the PIN separately');
  return {
    modulePath: config.pkcs11Lib,
    slot: config.slot,
    tokenLabel: config.tokenLabel,
    keyLabel: config.label,
    publicKeyLabel: config.labelPubkey,
    pin: userPin,
  };
}
