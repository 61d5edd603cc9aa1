import { CHIPS, chipByName, schemeOf, type KeyAlgorithm } from '@fleetsign/secure-boot';
import type { ConfigProblem } from './config-error';
import { checkIdentities } from './identity-schema';
import { checkApproval } from './approval-schema';
import { API_SCOPES, type ConfigFile, type ProfileEntry } from './file-schema';

// Checks across entries, after each entry passed the schema. Key types (e.g. that a
// sbv2-ecdsa-p384 profile's keys are all P-384) are checked when the signer loads the
// keys: only the key itself knows.

/** Key types AWS KMS can hold among those Secure Boot uses. */
const AWS_KMS_ALGORITHMS: readonly KeyAlgorithm[] = ['rsa3072', 'ecdsa-p256', 'ecdsa-p384'];

function duplicates<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  report: (index: number, first: number) => void,
) {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else report(index, first);
  });
}

function checkChips(profile: ProfileEntry, at: string, problems: ConfigProblem[]): void {
  const scheme = schemeOf(profile.scheme);
  profile.allowed_chips?.forEach((name, k) => {
    const setting = `${at}.allowed_chips[${k}]`;
    const chip = chipByName(name);
    if (!chip) {
      problems.push({
        setting,
        problem: `unknown chip '${name}' (known: ${CHIPS.map((c) => c.name).join(', ')})`,
      });
    } else if (!scheme.bootsOn(chip)) {
      problems.push({ setting, problem: `${chip.name} cannot boot ${profile.scheme} images` });
    } else if (profile.keys.length > chip.maxSignatureBlocks) {
      problems.push({
        setting,
        problem: `${chip.name} reads ${chip.maxSignatureBlocks} signature block(s); the profile has ${profile.keys.length} keys`,
      });
    }
  });
}

function checkProfile(profile: ProfileEntry, at: string, problems: ConfigProblem[]): void {
  const scheme = schemeOf(profile.scheme);
  if (scheme.secureBootVersion === 1 && profile.keys.length !== 1) {
    problems.push({
      setting: `${at}.keys`,
      problem: `${scheme.name} signs with exactly 1 key, found ${profile.keys.length}`,
    });
  }
  duplicates(
    profile.keys,
    // The same key twice is a duplicate whatever lifecycle each entry gives it.
    ({ state: _state, revoked_at: _revokedAt, not_before: _notBefore, not_after: _notAfter, ...locator }) => JSON.stringify(locator),
    (k, first) => problems.push({ setting: `${at}.keys[${k}]`, problem: `same key as keys[${first}]` }),
  );
  profile.keys.forEach((key, k) => {
    const algorithm = scheme.keyAlgorithm;
    if (key.provider === 'aws-kms' && !AWS_KMS_ALGORITHMS.includes(algorithm)) {
      problems.push({
        setting: `${at}.keys[${k}].provider`,
        problem: `AWS KMS has no ${algorithm} keys for ${profile.scheme}`,
      });
    }
  });
  checkChips(profile, at, problems);
}

/** Problems between entries: duplicate names, unknown references, scheme vs keys and chips. */
export function crossCheckConfig(file: ConfigFile): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const named = (section: string, what: string) => (index: number, first: number) =>
    problems.push({
      setting: `${section}[${index}].${what}`,
      problem: `duplicate of ${section}[${first}].${what}`,
    });

  duplicates(file.profiles, (p) => p.name, named('profiles', 'name'));
  duplicates(file.tenants, (t) => t.name, named('tenants', 'name'));
  duplicates(file.api_keys, (k) => k.id, named('api_keys', 'id'));
  duplicates(file.api_keys, (k) => k.token_sha256, named('api_keys', 'token_sha256'));

  file.profiles.forEach((profile, i) => checkProfile(profile, `profiles[${i}]`, problems));
  file.profiles.forEach((profile, i) => {
    if (profile.approval) problems.push(...checkApproval(profile.approval, `profiles[${i}].approval`, file.api_keys, API_SCOPES));
  });

  // The log key signs checkpoints, not firmware: a lifecycle there would be silently ignored.
  const logKey = file.transparency_log?.key;
  for (const setting of ['revoked_at', 'not_before', 'not_after'] as const) {
    if (logKey?.[setting] !== undefined) problems.push({ setting: `transparency_log.key.${setting}`, problem: 'applies to signing keys only' });
  }
  if (logKey && logKey.state !== 'active') problems.push({ setting: 'transparency_log.key.state', problem: 'applies to signing keys only' });

  const profileNames = new Set(file.profiles.map((p) => p.name));
  const tenantNames = new Set(file.tenants.map((t) => t.name));
  file.api_keys.forEach((key, i) => {
    if (!tenantNames.has(key.tenant)) {
      problems.push({
        setting: `api_keys[${i}].tenant`,
        problem: `unknown tenant '${key.tenant}' (list it under tenants)`,
      });
    }
    if (key.profiles.includes('*') && key.profiles.length > 1) {
      problems.push({
        setting: `api_keys[${i}].profiles`,
        problem: "'*' already allows every profile; list names or '*' alone",
      });
    }
    key.profiles.forEach((name, k) => {
      if (name !== '*' && !profileNames.has(name)) {
        problems.push({ setting: `api_keys[${i}].profiles[${k}]`, problem: `unknown profile '${name}'` });
      }
    });
  });
  problems.push(...checkIdentities(file.identities, tenantNames, profileNames));
  return problems;
}
