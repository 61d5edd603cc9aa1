import { crc32 } from './crc';

describe('crc32', () => {
  it('has the CRC-32/ISO-HDLC check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('is unsigned and 0 for empty input', () => {
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff);
  });
});
