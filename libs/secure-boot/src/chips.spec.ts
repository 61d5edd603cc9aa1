import { KEY_ALGORITHMS } from './algorithms';
import { CHIPS, chipById, chipByName, normalizeChipName } from './chips';

describe('chip table', () => {
  it('has unique ids and names', () => {
    expect(new Set(CHIPS.map((c) => c.id)).size).toBe(CHIPS.length);
    expect(new Set(CHIPS.map((c) => normalizeChipName(c.name))).size).toBe(CHIPS.length);
  });

  it('maps the image chip ids of the format spec', () => {
    const ids = Object.fromEntries(CHIPS.map((c) => [c.name, c.id]));
    expect(ids).toEqual({
      ESP32: 0,
      'ESP32-S2': 2,
      'ESP32-C3': 5,
      'ESP32-S3': 9,
      'ESP32-C2': 12,
      'ESP32-C6': 13,
      'ESP32-H2': 16,
      'ESP32-P4': 18,
      'ESP32-C61': 20,
      'ESP32-C5': 23,
      'ESP32-H21': 25,
      'ESP32-H4': 28,
      'ESP32-E22': 31,
      'ESP32-S31': 32,
    });
  });

  it('offers Secure Boot V1 on ESP32 only', () => {
    expect(CHIPS.filter((c) => c.secureBootV1).map((c) => c.name)).toEqual(['ESP32']);
  });

  it('limits ESP32 and ESP32-C2 to one signature block, others to three', () => {
    for (const chip of CHIPS) {
      expect([chip.name, chip.maxSignatureBlocks]).toEqual([
        chip.name,
        chip.name === 'ESP32' || chip.name === 'ESP32-C2' ? 1 : 3,
      ]);
    }
  });

  it('burns a 16-byte key digest on ESP32-C2 only', () => {
    expect(CHIPS.filter((c) => c.keyDigestLength === 16).map((c) => c.name)).toEqual(['ESP32-C2']);
    expect(CHIPS.every((c) => c.keyDigestLength === 16 || c.keyDigestLength === 32)).toBe(true);
  });

  it.each([
    ['ESP32', ['rsa3072']],
    ['ESP32-S2', ['rsa3072']],
    ['ESP32-S3', ['rsa3072']],
    ['ESP32-C3', ['rsa3072']],
    ['ESP32-C2', ['ecdsa-p192', 'ecdsa-p256']],
    ['ESP32-C6', ['rsa3072', 'ecdsa-p192', 'ecdsa-p256']],
    ['ESP32-H2', ['rsa3072', 'ecdsa-p192', 'ecdsa-p256']],
    ['ESP32-P4', ['rsa3072', 'ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384']],
    ['ESP32-C5', ['rsa3072', 'ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384']],
    ['ESP32-C61', ['ecdsa-p192', 'ecdsa-p256']],
    ['ESP32-H21', ['rsa3072']],
    ['ESP32-S31', ['rsa3072']],
    ['ESP32-H4', []],
    ['ESP32-E22', []],
  ])('%s boots V2 with %j', (name, algorithms) => {
    expect([...(chipByName(name)?.v2Algorithms ?? ['missing'])].sort()).toEqual([...algorithms].sort());
  });

  it('uses only known key algorithms', () => {
    for (const chip of CHIPS) {
      for (const alg of chip.v2Algorithms) expect(KEY_ALGORITHMS).toContain(alg);
    }
  });

  it('cannot be modified by callers', () => {
    const chip = chipByName('ESP32-S3')!;
    expect(() => (chip.v2Algorithms as string[]).push('ecdsa-p256')).toThrow(TypeError);
    expect(() => ((chip as { maxSignatureBlocks: number }).maxSignatureBlocks = 9)).toThrow(TypeError);
    expect(chipByName('ESP32-S3')?.v2Algorithms).toEqual(['rsa3072']);
  });
});

describe('chip lookup', () => {
  it('finds chips by id', () => {
    expect(chipById(9)?.name).toBe('ESP32-S3');
    expect(chipById(0)?.name).toBe('ESP32');
    expect(chipById(1)).toBeUndefined();
    expect(chipById(0xffff)).toBeUndefined();
  });

  it.each(['ESP32-S3', 'esp32s3', 'Esp32-S3', 'esp32_s3', 'ESP32 S3'])('finds %s', (name) => {
    expect(chipByName(name)?.id).toBe(9);
  });

  it('knows ESP8684 as ESP32-C2', () => {
    expect(chipByName('esp8684')?.name).toBe('ESP32-C2');
  });

  it('does not confuse ESP32-C6 and ESP32-C61', () => {
    expect(chipByName('esp32c6')?.id).toBe(13);
    expect(chipByName('esp32c61')?.id).toBe(20);
  });

  it('returns undefined for unknown names', () => {
    expect(chipByName('esp8266')).toBeUndefined();
    expect(chipByName('')).toBeUndefined();
    expect(chipByName('esp32s')).toBeUndefined();
  });
});
