import { type ConfigData, configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

type Case = [string, (data: ConfigData) => void, string];

const pkcs11 = (data: ConfigData) => data.profiles[0].keys[0];

// Each case breaks one setting of a valid file; the message must name exactly that setting.
const cases: Case[] = [
  ['an unknown top-level setting', (d) => (d.profile = []), 'profile: unknown setting'],
  [
    'a typo in a key setting',
    (d) => Object.assign(pkcs11(d), { pinfile: 'x', slott: 1 }),
    "profiles[0].keys[0].pinfile: unknown setting (also 'slott')",
  ],
  ['an unsupported version', (d) => (d.version = 2), 'version: must be 1'],
  [
    'profiles that are not a list',
    (d) => (d.profiles = 'rsa' as never),
    'profiles: must be a list, found a string',
  ],
  ['a profile without a name', (d) => delete d.profiles[0].name, 'profiles[0].name: is required'],
  [
    'a profile name with blanks',
    (d) => (d.profiles[1].name = 'my profile'),
    'profiles[1].name: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  ],
  [
    'an unknown scheme',
    (d) => (d.profiles[0].scheme = 'sbv2-rsa2048'),
    'profiles[0].scheme: must be one of sbv2-rsa3072, sbv2-ecdsa-p192, sbv2-ecdsa-p256, sbv2-ecdsa-p384, sbv1-ecdsa-p256',
  ],
  ['a profile without keys', (d) => (d.profiles[0].keys = []), 'profiles[0].keys: needs at least one key'],
  [
    'a profile with four keys',
    (d) =>
      (d.profiles[0].keys = ['a', 'b', 'c', 'd'].map((id) => ({
        provider: 'aws-kms',
        key_id: id,
        region: 'eu-west-1',
      }))),
    'profiles[0].keys: at most 3 keys (Secure Boot V2 holds 3 signature blocks)',
  ],
  ['a key without provider', (d) => delete pkcs11(d).provider, 'profiles[0].keys[0].provider: is required'],
  [
    'an unknown provider',
    (d) => (pkcs11(d).provider = 'gcp-kms'),
    'profiles[0].keys[0].provider: must be one of pkcs11, pem, aws-kms',
  ],
  ['a profile without state', (d) => delete d.profiles[0].state, 'profiles[0].state: is required'],
  [
    'an unknown state',
    (d) => (d.profiles[0].state = 'disabled'),
    'profiles[0].state: must be one of active, retiring, revoked',
  ],
  [
    'an empty chip list',
    (d) => (d.profiles[0].allowed_chips = []),
    'profiles[0].allowed_chips: must list at least one chip, or be left out to allow every chip',
  ],
  ['a PKCS#11 key without module', (d) => delete pkcs11(d).module, 'profiles[0].keys[0].module: is required'],
  [
    'a PKCS#11 key without slot or token',
    (d) => delete pkcs11(d).token_label,
    'profiles[0].keys[0]: needs slot or token_label',
  ],
  [
    'a PKCS#11 key with slot and token',
    (d) => (pkcs11(d).slot = 0),
    'profiles[0].keys[0].token_label: set slot or token_label, not both',
  ],
  [
    'a negative slot',
    (d) => Object.assign(pkcs11(d), { slot: -1, token_label: undefined }),
    'profiles[0].keys[0].slot: Too small: expected number to be >=0',
  ],
  [
    'a PKCS#11 key without label or id',
    (d) => delete pkcs11(d).key_label,
    'profiles[0].keys[0]: needs key_label or key_id (or both)',
  ],
  [
    'a key id YAML read as a number',
    (d) => (pkcs11(d).key_id = 1),
    'profiles[0].keys[0].key_id: must be a quoted hex string such as "01" (YAML reads 01 as a number)',
  ],
  [
    'a key id that is not hex',
    (d) => (pkcs11(d).key_id = '0x1'),
    'profiles[0].keys[0].key_id: must be hex bytes such as "01"',
  ],
  [
    'a PKCS#11 key without PIN source',
    (d) => delete pkcs11(d).pin_file,
    'profiles[0].keys[0]: needs pin_file or pin_env',
  ],
  [
    'a PKCS#11 key with two PIN sources',
    (d) => (pkcs11(d).pin_env = 'HSM_PIN'),
    'profiles[0].keys[0].pin_env: set pin_file or pin_env, not both',
  ],
  [
    'a PIN variable with a bad name',
    (d) => Object.assign(pkcs11(d), { pin_file: undefined, pin_env: 'HSM-PIN' }),
    'profiles[0].keys[0].pin_env: must be an environment variable name',
  ],
  [
    'too many sessions',
    (d) => (pkcs11(d).sessions = 65),
    'profiles[0].keys[0].sessions: Too big: expected number to be <=64',
  ],
  [
    'an empty PIN file name',
    (d) => (pkcs11(d).pin_file = ' '),
    'profiles[0].keys[0].pin_file: must not be empty',
  ],
  [
    'a PEM key without path',
    (d) => delete d.profiles[1].keys[0].path,
    'profiles[1].keys[0].path: is required',
  ],
  [
    'a KMS key without region',
    (d) => delete d.profiles[0].keys[1].region,
    'profiles[0].keys[1].region: is required',
  ],
  [
    'a KMS endpoint that is not a URL',
    (d) => (d.profiles[0].keys[1].endpoint = 'kms.local'),
    'profiles[0].keys[1].endpoint: must be an http:// or https:// URL',
  ],
  [
    'a token hash that is not SHA-256 hex',
    (d) => (d.api_keys[0].token_sha256 = 'abc'),
    'api_keys[0].token_sha256: must be the hex SHA-256 of the token (64 hex digits)',
  ],
  [
    'an unknown scope',
    (d) => (d.api_keys[0].scopes = ['sign', 'write']),
    'api_keys[0].scopes[1]: must be one of sign, read, batch, admin, operator, audit, approve',
  ],
  [
    'an API key without scopes',
    (d) => (d.api_keys[0].scopes = []),
    'api_keys[0].scopes: must list at least one scope',
  ],
  [
    'an API key without profiles',
    (d) => (d.api_keys[0].profiles = []),
    "api_keys[0].profiles: must list profile names, or '*' for all",
  ],
  ['an API key without tenant', (d) => delete d.api_keys[0].tenant, 'api_keys[0].tenant: is required'],
  [
    'a tenant with two webhook secret sources',
    (d) => (d.tenants[0].webhook_secret_file = 'acme.secret'),
    'tenants[0].webhook_secret_env: set webhook_secret_file or webhook_secret_env, not both',
  ],
];

describe('configuration file schema', () => {
  it('accepts the unbroken fixture', () => {
    expect(() => parseData(validConfigData())).not.toThrow();
  });

  it.each(cases)('refuses %s', (_what, breakIt, expected) => {
    const data = validConfigData();
    breakIt(data);
    expect(configErrorOf(() => parseData(data))).toBe(`fleetsign.yaml: ${expected}`);
  });

  it('counts further problems after the first', () => {
    const data = validConfigData();
    delete data.profiles[0].name;
    data.profiles[1].state = 'x';
    data.api_keys[0].scopes = [];
    expect(configErrorOf(() => parseData(data))).toBe(
      'fleetsign.yaml: profiles[0].name: is required (and 2 more problems)',
    );
  });
});
