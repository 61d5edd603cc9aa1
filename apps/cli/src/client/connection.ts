import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { CommandContext } from '../command-context';

/** Environment variable with the gateway's base URL. */
export const URL_ENV = 'FLEETSIGN_URL';
/** Environment variable with the API key (preferred over --api-key, which other users may see in `ps`). */
export const API_KEY_ENV = 'FLEETSIGN_API_KEY';
/**
 * Environment variable naming a file that holds the bearer token, read when the command
 * starts: a CI job's OIDC token (GitHub Actions, GitLab CI) or a Kubernetes projected
 * service-account token, which the kubelet rewrites in place as it rotates.
 */
export const TOKEN_FILE_ENV = 'FLEETSIGN_TOKEN_FILE';

/** The token in the file FLEETSIGN_TOKEN_FILE names (surrounding whitespace dropped). */
function readTokenFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new FleetSignError(ErrorCode.InvalidArgument, `cannot read ${TOKEN_FILE_ENV} ${path} (${reason})`);
  }
}

/** Connection flags shared by the service-client commands. */
export interface ConnectionFlags {
  url?: string;
  apiKey?: string;
  /** A dotenv file with FLEETSIGN_URL and FLEETSIGN_API_KEY (`fleetsign init` writes DIR/client.env). */
  envFile?: string;
}

/** FLEETSIGN_URL and FLEETSIGN_API_KEY of an env file (dotenv syntax, parsed by node:util). */
export function readClientEnvFile(path: string): { url?: string; apiKey?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new FleetSignError(ErrorCode.InvalidArgument, `cannot read --env-file ${path} (${reason})`);
  }
  const values = parseEnv(text);
  return { url: values[URL_ENV], apiKey: values[API_KEY_ENV] };
}

/** Where the service is and the key to use. */
export interface Connection {
  baseUrl: string;
  apiKey: string;
}

/**
 * Resolves the gateway URL and API key from the flags, then the --env-file, then the
 * environment. The key joins the context's secrets so no message can show it.
 */
export function resolveConnection(flags: ConnectionFlags, context: CommandContext): Connection {
  const file = flags.envFile ? readClientEnvFile(flags.envFile) : {};
  const tokenFile = context.env[TOKEN_FILE_ENV];
  const apiKey = flags.apiKey ?? file.apiKey ?? context.env[API_KEY_ENV] ?? (tokenFile ? readTokenFile(tokenFile) : undefined);
  if (apiKey) context.secrets.add(apiKey);
  const url = flags.url ?? file.url ?? context.env[URL_ENV];
  if (!url) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `no service URL: pass --url or set ${URL_ENV}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FleetSignError(ErrorCode.InvalidArgument, `the service URL is not a valid URL (--url / ${URL_ENV})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FleetSignError(ErrorCode.InvalidArgument, 'the service URL must start with http:// or https://');
  }
  if (parsed.username || parsed.password) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `the service URL must not carry credentials; pass the API key with ${API_KEY_ENV} or --api-key`,
    );
  }
  if (!apiKey) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `no API key: set ${API_KEY_ENV} or ${TOKEN_FILE_ENV}, or pass --api-key`);
  }
  if (!/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `the API key (${API_KEY_ENV} / ${TOKEN_FILE_ENV} / --api-key) must be printable ASCII without spaces`);
  }
  return { baseUrl: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`, apiKey };
}
