import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandContext } from '../command-context';
import { resolveConnection } from './connection';

const io = { stdout: () => undefined, stderr: () => undefined };

describe('resolveConnection', () => {
  it('takes the flags first, then the environment, and keeps the key as a secret', () => {
    const context = createCommandContext(io, { FLEETSIGN_URL: 'https://env.example/api/', FLEETSIGN_API_KEY: 'fsk_env' });
    expect(resolveConnection({}, context)).toEqual({ baseUrl: 'https://env.example/api', apiKey: 'fsk_env' });
    expect(resolveConnection({ url: 'http://127.0.0.1:8080', apiKey: 'fsk_flag' }, context)).toEqual({
      baseUrl: 'http://127.0.0.1:8080',
      apiKey: 'fsk_flag',
    });
    expect([...context.secrets].sort()).toEqual(['fsk_env', 'fsk_flag']);
  });

  it.each([
    [{}, {}, 'no service URL: pass --url or set FLEETSIGN_URL'],
    [{ url: 'http://h' }, {}, 'no API key: set FLEETSIGN_API_KEY or FLEETSIGN_TOKEN_FILE, or pass --api-key'],
    [{ url: 'ftp://h', apiKey: 'k' }, {}, 'the service URL must start with http:// or https://'],
    [{ url: 'nope', apiKey: 'k' }, {}, 'the service URL is not a valid URL (--url / FLEETSIGN_URL)'],
    [{ url: 'https://user:secret@h', apiKey: 'k' }, {}, 'the service URL must not carry credentials'],
    [{ url: 'https://h', apiKey: 'a key' }, {}, 'must be printable ASCII without spaces'],
  ])('refuses %j (env %j)', (flags, env, message) => {
    expect(() => resolveConnection(flags, createCommandContext(io, env))).toThrow(message);
  });

  describe('--env-file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsign-env-file-'));
    const file = join(dir, 'client.env');
    writeFileSync(file, '# written by fleetsign init\nFLEETSIGN_URL=http://127.0.0.1:7070\nFLEETSIGN_API_KEY="fsk_file"\n');
    chmodSync(file, 0o600);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is read after the flags and before the environment; its key is a secret', () => {
      const context = createCommandContext(io, { FLEETSIGN_URL: 'https://env.example', FLEETSIGN_API_KEY: 'fsk_env' });
      expect(resolveConnection({ envFile: file }, context)).toEqual({ baseUrl: 'http://127.0.0.1:7070', apiKey: 'fsk_file' });
      expect(resolveConnection({ envFile: file, apiKey: 'fsk_flag' }, context).apiKey).toBe('fsk_flag');
      expect(context.secrets.has('fsk_file')).toBe(true);
    });

    it('names a file it cannot read', () => {
      expect(() => resolveConnection({ envFile: join(dir, 'missing.env') }, createCommandContext(io, {}))).toThrow(
        `cannot read --env-file ${join(dir, 'missing.env')} (ENOENT)`,
      );
    });
  });

  describe('FLEETSIGN_TOKEN_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsign-token-file-'));
    const file = join(dir, 'token');
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl';
    writeFileSync(file, `${jwt}\n`);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('supplies the token (an OIDC token of a CI job) when no API key is given, as a secret', () => {
      const context = createCommandContext(io, { FLEETSIGN_URL: 'https://h', FLEETSIGN_TOKEN_FILE: file });
      expect(resolveConnection({}, context).apiKey).toBe(jwt);
      expect(context.secrets.has(jwt)).toBe(true);
      const withKey = createCommandContext(io, { FLEETSIGN_URL: 'https://h', FLEETSIGN_TOKEN_FILE: file, FLEETSIGN_API_KEY: 'fsk_env' });
      expect(resolveConnection({}, withKey).apiKey).toBe('fsk_env');
    });

    it('names a token file it cannot read', () => {
      const missing = join(dir, 'missing');
      const context = createCommandContext(io, { FLEETSIGN_URL: 'https://h', FLEETSIGN_TOKEN_FILE: missing });
      expect(() => resolveConnection({}, context)).toThrow(`cannot read FLEETSIGN_TOKEN_FILE ${missing} (ENOENT)`);
    });
  });
});
