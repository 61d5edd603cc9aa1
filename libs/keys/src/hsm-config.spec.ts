import { ErrorCode } from '@fleetsign/errors';
import { hsmConfigToKeyRef, parseHsmConfigIni } from './hsm-config';

const ESPSECURE_EXAMPLE = `[hsm_config]
# PKCS#11 module
pkcs11_lib = /usr/lib/softhsm/libsofthsm2.so
# slot id
slot = 1108821954
label = Private Key for Digital Signature
credentials = 1234
label_pubkey = Public Key for Digital Signature
`;

describe('parseHsmConfigIni', () => {
  it("reads espsecure's example config", () => {
    expect(parseHsmConfigIni(ESPSECURE_EXAMPLE)).toEqual({
      pkcs11Lib: '/usr/lib/softhsm/libsofthsm2.so',
      slot: 1108821954,
      tokenLabel: undefined,
      label: 'Private Key for Digital Signature',
      labelPubkey: 'Public Key for Digital Signature',
      credentials: '1234',
    });
  });

  it('treats keys case-insensitively and accepts "key: value"', () => {
    const config = parseHsmConfigIni('[hsm_config]\r\nPKCS11_Lib: /opt/lib.so\r\nSLOT=0\r\nLabel : k1\r\n');
    expect(config).toMatchObject({ pkcs11Lib: '/opt/lib.so', slot: 0, label: 'k1' });
  });

  it('keeps values literally, like configparser (no inline comments, no quote stripping)', () => {
    const config = parseHsmConfigIni('[hsm_config]\npkcs11_lib = /l.so\nslot = 1\nlabel = "fw key" ; main\ncredentials = p#1;2=3\n');
    expect(config.label).toBe('"fw key" ; main');
    expect(config.credentials).toBe('p#1;2=3');
  });

  it('keeps values that look like booleans as text', () => {
    expect(parseHsmConfigIni('[hsm_config]\npkcs11_lib=/l.so\nslot=1\nlabel=true\ncredentials=null\n')).toMatchObject({ label: 'true', credentials: 'null' });
  });

  it("accepts FleetSign's token_label instead of the slot", () => {
    const config = parseHsmConfigIni('[hsm_config]\npkcs11_lib=/l.so\ntoken_label=fwsign\nlabel=k\n');
    expect(config.slot).toBeUndefined();
    expect(config.tokenLabel).toBe('fwsign');
    expect(config.credentials).toBeUndefined();
  });

  it('ignores other sections', () => {
    expect(parseHsmConfigIni('[other]\nslot=x\n[hsm_config]\npkcs11_lib=/l.so\nslot=2\nlabel=k\n').slot).toBe(2);
  });

  it.each([
    ['no [hsm_config] section', '[hsm]\nslot=1\n', /no \[hsm_config\] section \(found \[hsm\]\)/],
    ['pkcs11_lib missing', '[hsm_config]\nslot=1\nlabel=k\n', /"pkcs11_lib" is required/],
    ['label missing', '[hsm_config]\npkcs11_lib=/l.so\nslot=1\n', /"label" is required/],
    ['label empty', '[hsm_config]\npkcs11_lib=/l.so\nslot=1\nlabel=\n', /"label" is required/],
    ['slot and token_label missing', '[hsm_config]\npkcs11_lib=/l.so\nlabel=k\n', /"slot" \(or FleetSign's "token_label"\) is required/],
    ['slot not an integer', '[hsm_config]\npkcs11_lib=/l.so\nslot=0x10\nlabel=k\n', /"slot" must be a non-negative integer, got "0x10"/],
    ['slot negative', '[hsm_config]\npkcs11_lib=/l.so\nslot=-1\nlabel=k\n', /"slot" must be a non-negative integer/],
    ['slot too large', '[hsm_config]\npkcs11_lib=/l.so\nslot=99999999999999999999\nlabel=k\n', /out of range/],
    ['a line without separator', '[hsm_config]\npkcs11_lib\n', /line 2: expected "key = value"/],
    ['a multi-line value', '[hsm_config]\nlabel = a\n  b\n', /line 3: multi-line values are not supported/],
  ])('refuses %s with InvalidConfig', (_name, text, message) => {
    expect(() => parseHsmConfigIni(text)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig, message: expect.stringMatching(message) }));
  });

  it('never puts the PIN into an error message', () => {
    let message = '';
    try {
      parseHsmConfigIni('[hsm_config]\ncredentials = s3cr3t-pin\nslot = nope\npkcs11_lib=/l.so\nlabel=k\n');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/slot/);
    expect(message).not.toContain('s3cr3t-pin');
  });
});

describe('hsmConfigToKeyRef', () => {
  const config = parseHsmConfigIni(ESPSECURE_EXAMPLE);

  it('maps the config to a key reference', () => {
    expect(hsmConfigToKeyRef(config)).toEqual({
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
      slot: 1108821954,
      tokenLabel: undefined,
      keyLabel: 'Private Key for Digital Signature',
      publicKeyLabel: 'Public Key for Digital Signature',
      pin: '1234',
    });
  });

  it('lets a PIN given separately override credentials', () => {
    expect(hsmConfigToKeyRef(config, '9876').pin).toBe('9876');
  });

  it('refuses a config without any PIN', () => {
    expect(() => hsmConfigToKeyRef({ ...config, credentials: undefined })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }));
  });
});
