import { type ConfigProblem, formatSettingPath } from './config-error';

const PIN = 'PINs are never written in the config file; use pin_file or pin_env';
const WEBHOOK_SECRET =
  'secrets are never written in the config file; use webhook_secret_file or webhook_secret_env';
const TOKEN =
  'API tokens are never written in the config file; use token_sha256 (the hex SHA-256 of the token)';
const OTHER = 'secrets are never written in the config file; keep them in a file or an environment variable';

/** Setting names that would hold a secret value inline, with what to write instead. */
const INLINE_SECRET_SETTINGS: Readonly<Record<string, string>> = {
  pin: PIN,
  user_pin: PIN,
  so_pin: PIN,
  credentials: PIN,
  secret: WEBHOOK_SECRET,
  webhook_secret: WEBHOOK_SECRET,
  token: TOKEN,
  api_token: TOKEN,
  bearer_token: TOKEN,
  password: OTHER,
  passphrase: OTHER,
  secret_access_key: OTHER,
  aws_secret_access_key: OTHER,
  private_key: OTHER,
};

/** Nesting deeper than any valid file; stops the walk on hostile input. */
const MAX_DEPTH = 16;

/**
 * Finds settings that hold a secret inline (`pin:`, `secret:`, `token:`...) anywhere in
 * the parsed file, so the message can say what to use instead. Checked before the
 * schema, whose "unknown setting" would be less helpful.
 */
export function findInlineSecrets(data: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (path.length > MAX_DEPTH || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index]));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const advice = INLINE_SECRET_SETTINGS[key.toLowerCase()];
      if (advice) problems.push({ setting: formatSettingPath([...path, key]), problem: advice });
      else walk(child, [...path, key]);
    }
  };
  walk(data, []);
  return problems;
}
