import { createHash } from 'node:crypto';
import {
  API_TOKEN_PREFIX,
  apiKeyAllowsProfile,
  findApiKey,
  findProfile,
  generateApiToken,
  hashApiToken,
} from './api-keys';
import { parseData, validConfigData } from './__fixtures__/config-fixture';

describe('API keys', () => {
  const tokenA = 'fsk_token-a';
  const tokenB = 'fsk_token-b';
  const config = (() => {
    const data = validConfigData();
    data.api_keys[0].token_sha256 = hashApiToken(tokenA).toUpperCase();
    data.api_keys[1].token_sha256 = hashApiToken(tokenB);
    return parseData(data);
  })();

  it('hashes a token to hex SHA-256 of its UTF-8 bytes', () => {
    expect(hashApiToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiToken('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    );
  });

  it('finds the key whose hash matches, whatever the case of the configured hex', () => {
    expect(findApiKey(config, tokenA)?.id).toBe('ci');
    expect(findApiKey(config, tokenB)?.id).toBe('admin');
  });

  it('finds nothing for an unknown, empty or near-miss token', () => {
    expect(findApiKey(config, 'fsk_token-c')).toBeUndefined();
    expect(findApiKey(config, '')).toBeUndefined();
    expect(findApiKey(config, `${tokenA} `)).toBeUndefined();
    expect(findApiKey({ apiKeys: [] }, tokenA)).toBeUndefined();
  });

  it('generates distinct prefixed tokens with matching hashes', () => {
    const one = generateApiToken();
    const two = generateApiToken();
    expect(one.token.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(one.token).toHaveLength(API_TOKEN_PREFIX.length + 43);
    expect(one.token).not.toBe(two.token);
    expect(one.tokenSha256).toBe(hashApiToken(one.token));
  });

  it('allows listed profiles, or every profile with *', () => {
    const [ci, admin] = config.apiKeys;
    expect(apiKeyAllowsProfile(ci, 'rsa-prod')).toBe(true);
    expect(apiKeyAllowsProfile(ci, 'v1')).toBe(false);
    expect(apiKeyAllowsProfile(admin, 'v1')).toBe(true);
  });

  it('finds profiles by exact name', () => {
    expect(findProfile(config, 'v1')?.scheme).toBe('sbv1-ecdsa-p256');
    expect(findProfile(config, 'V1')).toBeUndefined();
  });
});
