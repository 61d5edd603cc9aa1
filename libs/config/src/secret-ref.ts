import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type Env, ENV_SOURCE, readEnv } from './env-settings';

/**
 * Where a secret (PIN, webhook secret, S3 secret key...) can be read: a file or an
 * environment variable. Configuration holds only this reference; the value is read
 * when needed, so a process that never uses a secret never touches it.
 */
export type SecretRef =
  | {
      readonly source: 'file';
      readonly path: string;
      /** The file or 'environment' that configured it, for messages. */
      readonly origin: string;
      /** The setting that named it, e.g. 'profiles[0].keys[0].pin_file'. */
      readonly setting: string;
    }
  | { readonly source: 'env'; readonly name: string; readonly origin: string; readonly setting: string };

function secretError(ref: SecretRef, problem: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidConfig, `${ref.origin}: ${ref.setting}: ${problem}`, {
    source: ref.origin,
    setting: ref.setting,
  });
}

function fileProblem(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `file not found (${path})`;
  if (code === 'EACCES' || code === 'EPERM') return `file not readable by this process (${path})`;
  if (code === 'EISDIR') return `is a directory, not a file (${path})`;
  return `cannot read ${path}: ${code ?? String(err)}`;
}

/**
 * Reads the secret now: the file's content or the variable's value, with trailing
 * newlines removed. Throws InvalidConfig naming the setting (never the value) when
 * it is missing, unreadable or empty.
 */
export function resolveSecret(ref: SecretRef, env: Env = process.env): string {
  let value: string | undefined;
  if (ref.source === 'file') {
    try {
      value = readFileSync(ref.path, 'utf8');
    } catch (err) {
      throw secretError(ref, fileProblem(ref.path, err));
    }
  } else {
    value = env[ref.name];
    if (value === undefined) throw secretError(ref, `environment variable ${ref.name} is not set`);
  }
  const secret = value.replace(/[\r\n]+$/, '');
  if (!secret)
    throw secretError(ref, ref.source === 'file' ? `file is empty (${ref.path})` : `${ref.name} is empty`);
  return secret;
}

/** Throws InvalidConfig unless `path` is a readable regular file; does not read it. */
export function assertReadableFile(path: string, origin: string, setting: string): void {
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `${origin}: ${setting}: ${fileProblem(path, err)}`, {
      source: origin,
      setting,
    });
  }
}

/**
 * Throws InvalidConfig unless the secret could be read now (file readable, variable
 * set and not empty), without reading a secret file.
 */
export function assertSecretAvailable(ref: SecretRef, env: Env = process.env): void {
  if (ref.source === 'file') assertReadableFile(ref.path, ref.origin, ref.setting);
  else if (!readEnv(env, ref.name)) throw secretError(ref, `environment variable ${ref.name} is not set`);
}

/**
 * The secret configured as `NAME` (the value itself) or `NAME_FILE` (a path to read it
 * from), not both; undefined when neither is set. A `NAME_FILE` must exist already.
 */
export function secretFromEnv(env: Env, name: string): SecretRef | undefined {
  const fileName = `${name}_FILE`;
  const path = readEnv(env, fileName);
  const inline = readEnv(env, name);
  if (path && inline) {
    throw new FleetSignError(
      ErrorCode.InvalidConfig,
      `${ENV_SOURCE}: ${name}: set ${name} or ${fileName}, not both`,
      {
        source: ENV_SOURCE,
        setting: name,
      },
    );
  }
  if (path) {
    const ref: SecretRef = { source: 'file', path, origin: ENV_SOURCE, setting: fileName };
    assertReadableFile(path, ENV_SOURCE, fileName);
    return ref;
  }
  return inline ? { source: 'env', name, origin: ENV_SOURCE, setting: name } : undefined;
}
