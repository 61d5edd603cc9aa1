import { normaliseArgv } from './normalise-argv';

describe('normaliseArgv', () => {
  it('rewrites underscore long flags to dashes', () => {
    expect(
      normaliseArgv([
        'sign_data',
        '--append_signatures',
        '--hsm_config',
        'cfg.ini',
        '--pub_key',
        'p.pem',
        '--skip_padding',
      ]),
    ).toEqual([
      'sign_data',
      '--append-signatures',
      '--hsm-config',
      'cfg.ini',
      '--pub-key',
      'p.pem',
      '--skip-padding',
    ]);
  });

  it('rewrites only the name of a --flag=value pair', () => {
    expect(normaliseArgv(['--hsm_config=my_cfg.ini', '--efuse_digest=ab_cd'])).toEqual([
      '--hsm-config=my_cfg.ini',
      '--efuse-digest=ab_cd',
    ]);
  });

  it('leaves dash spellings, short flags, values and positionals alone', () => {
    const argv = [
      'sign-data',
      '-v',
      '2',
      '-k',
      'key_1.pem',
      'key_2.pem',
      '-o',
      'out_file.bin',
      '-a',
      'my_app.bin',
    ];
    expect(normaliseArgv(argv)).toEqual(argv);
  });

  it('stops at the -- terminator', () => {
    expect(normaliseArgv(['--keyfile', 'k.pem', '--', '--not_a_flag'])).toEqual([
      '--keyfile',
      'k.pem',
      '--',
      '--not_a_flag',
    ]);
  });

  it('does not touch a lone -- or single-dash words with underscores', () => {
    expect(normaliseArgv(['-_x', '---a_b'])).toEqual(['-_x', '---a_b']);
  });

  it('returns a new array and keeps the input unchanged', () => {
    const argv = ['--append_signatures'];
    const result = normaliseArgv(argv);
    expect(result).not.toBe(argv);
    expect(argv).toEqual(['--append_signatures']);
  });
});
