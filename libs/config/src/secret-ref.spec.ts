import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configErrorOf } from './__fixtures__/config-fixture';
import { assertSecretAvailable, resolveSecret, type SecretRef, secretFromEnv } from './secret-ref';

describe('secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fileRef = (name: string): SecretRef => ({
    source: 'file',
    path: join(dir, name),
    origin: 'fleetsign.yaml',
    setting: 'profiles[0].keys[0].pin_file',
  });
  const envRef: SecretRef = {
    source: 'env',
    name: 'HSM_PIN',
    origin: 'fleetsign.yaml',
    setting: 'profiles[0].keys[0].pin_env',
  };

  it('reads a file at use time without its trailing newline', () => {
    const ref = fileRef('pin');
    writeFileSync(join(dir, 'pin'), '1234\n');
    expect(resolveSecret(ref)).toBe('1234');
    writeFileSync(join(dir, 'pin'), 'changed\r\n');
    expect(resolveSecret(ref)).toBe('changed');
  });

  it('keeps blanks inside and before the secret', () => {
    writeFileSync(join(dir, 'pin'), ' a b \n');
    expect(resolveSecret(fileRef('pin'))).toBe(' a b ');
  });

  it('reads a variable of the given environment', () => {
    expect(resolveSecret(envRef, { HSM_PIN: '9876\n' })).toBe('9876');
  });

  it('names the setting, never the value, when a secret is unusable', () => {
    expect(configErrorOf(() => resolveSecret(fileRef('missing')))).toBe(
      `fleetsign.yaml: profiles[0].keys[0].pin_file: file not found (${join(dir, 'missing')})`,
    );
    writeFileSync(join(dir, 'empty'), '\n');
    expect(configErrorOf(() => resolveSecret(fileRef('empty')))).toBe(
      `fleetsign.yaml: profiles[0].keys[0].pin_file: file is empty (${join(dir, 'empty')})`,
    );
    expect(configErrorOf(() => resolveSecret(envRef, {}))).toBe(
      'fleetsign.yaml: profiles[0].keys[0].pin_env: environment variable HSM_PIN is not set',
    );
    expect(configErrorOf(() => resolveSecret(envRef, { HSM_PIN: '' }))).toBe(
      'fleetsign.yaml: profiles[0].keys[0].pin_env: HSM_PIN is empty',
    );
  });

  it('checks availability without reading', () => {
    expect(() => assertSecretAvailable(envRef, { HSM_PIN: 'x' })).not.toThrow();
    expect(configErrorOf(() => assertSecretAvailable(envRef, { HSM_PIN: ' ' }))).toMatch(
      /HSM_PIN is not set$/,
    );
    expect(configErrorOf(() => assertSecretAvailable(fileRef('missing')))).toMatch(
      /pin_file: file not found/,
    );
  });

  describe('secretFromEnv', () => {
    it('takes NAME, or a NAME_FILE that exists, and nothing when neither is set', () => {
      expect(secretFromEnv({ S3_KEY: 'abc' }, 'S3_KEY')).toEqual({
        source: 'env',
        name: 'S3_KEY',
        origin: 'environment',
        setting: 'S3_KEY',
      });
      writeFileSync(join(dir, 'key'), 'abc\n');
      const ref = secretFromEnv({ S3_KEY_FILE: join(dir, 'key') }, 'S3_KEY');
      expect(ref).toEqual({
        source: 'file',
        path: join(dir, 'key'),
        origin: 'environment',
        setting: 'S3_KEY_FILE',
      });
      expect(resolveSecret(ref as SecretRef)).toBe('abc');
      expect(secretFromEnv({ S3_KEY: '' }, 'S3_KEY')).toBeUndefined();
    });

    it('refuses both forms and a missing file', () => {
      expect(configErrorOf(() => secretFromEnv({ S3_KEY: 'abc', S3_KEY_FILE: '/x' }, 'S3_KEY'))).toBe(
        'environment: S3_KEY: set S3_KEY or S3_KEY_FILE, not both',
      );
      expect(configErrorOf(() => secretFromEnv({ S3_KEY_FILE: join(dir, 'none') }, 'S3_KEY'))).toBe(
        `environment: S3_KEY_FILE: file not found (${join(dir, 'none')})`,
      );
    });
  });
});
