import { ErrorCode } from '@fleetsign/errors';
import { SIGNING_SCHEMES } from './algorithms';
import { CHIPS, chipByName } from './chips';
import { SCHEMES, findScheme, schemeFor, schemeOf } from './schemes';

describe('scheme descriptors', () => {
  it('describe every signing scheme under its own name', () => {
    expect(Object.keys(SCHEMES).sort()).toEqual([...SIGNING_SCHEMES].sort());
    for (const name of SIGNING_SCHEMES) expect(schemeOf(name).name).toBe(name);
  });

  it('give version, key type, hash, block kind and key count', () => {
    expect(schemeOf('sbv1-ecdsa-p256')).toMatchObject({
      secureBootVersion: 1,
      keyAlgorithm: 'ecdsa-p256',
      hash: 'sha256',
      blockKind: 'v1-trailer',
      maxKeys: 1,
    });
    expect(schemeOf('sbv2-rsa3072')).toMatchObject({
      secureBootVersion: 2,
      keyAlgorithm: 'rsa3072',
      hash: 'sha256',
      blockKind: 'v2-rsa-block',
      maxKeys: 3,
    });
    expect(schemeOf('sbv2-ecdsa-p192')).toMatchObject({
      keyAlgorithm: 'ecdsa-p192',
      hash: 'sha256',
      blockKind: 'v2-ecdsa-block',
    });
    expect(schemeOf('sbv2-ecdsa-p384')).toMatchObject({
      keyAlgorithm: 'ecdsa-p384',
      hash: 'sha384',
      blockKind: 'v2-ecdsa-block',
    });
  });

  it('list the chips that boot each scheme', () => {
    expect(schemeOf('sbv1-ecdsa-p256').chips.map((c) => c.name)).toEqual(['ESP32']);
    expect(schemeOf('sbv2-ecdsa-p384').chips.map((c) => c.name)).toEqual(['ESP32-P4', 'ESP32-C5']);
    expect(schemeOf('sbv2-rsa3072').bootsOn(chipByName('esp32c2')!)).toBe(false);
    expect(schemeOf('sbv2-ecdsa-p256').bootsOn(chipByName('esp32c2')!)).toBe(true);
    for (const scheme of Object.values(SCHEMES)) {
      expect(scheme.chips).toEqual(CHIPS.filter((chip) => scheme.bootsOn(chip)));
    }
  });

  it('find a scheme by an outside name, and nothing for an unknown one', () => {
    expect(findScheme('sbv2-ecdsa-p256')?.keyAlgorithm).toBe('ecdsa-p256');
    expect(findScheme('sbv3-rsa4096')).toBeUndefined();
    expect(findScheme('toString')).toBeUndefined();
  });

  it('name the scheme of a version and key types, refusing mixed V2 key types', () => {
    expect(schemeFor(1, ['ecdsa-p256']).name).toBe('sbv1-ecdsa-p256');
    expect(schemeFor(2, ['ecdsa-p384', 'ecdsa-p384']).name).toBe('sbv2-ecdsa-p384');
    expect(() => schemeFor(2, ['rsa3072', 'ecdsa-p256'])).toThrow(
      expect.objectContaining({ code: ErrorCode.ChipSchemeMismatch }),
    );
  });
});
