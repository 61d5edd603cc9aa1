import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint';
import { noteKeyId, openNote, rawEcdsaToDer, signNote } from './signed-note';

const ORIGIN = 'fleetsign.example/log';
const logKey = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
const root = createHash('sha256').update('root').digest();

describe('C2SP checkpoints in signed notes', () => {
  it('formats the body as origin, size and base64 root lines, and parses it back', () => {
    const body = formatCheckpoint({ origin: ORIGIN, size: 42, rootHash: root });
    expect(body).toBe(`${ORIGIN}\n42\n${root.toString('base64')}\n`);
    expect(parseCheckpoint(body)).toEqual({ origin: ORIGIN, size: 42, rootHash: root });
  });

  it.each([
    ['no root line', `${ORIGIN}\n42\n`],
    ['a signed size', `${ORIGIN}\n-1\n${root.toString('base64')}\n`],
    ['a leading zero', `${ORIGIN}\n042\n${root.toString('base64')}\n`],
    ['a short root', `${ORIGIN}\n42\n${root.subarray(1).toString('base64')}\n`],
    ['no final newline', `${ORIGIN}\n42\n${root.toString('base64')}`],
  ])('refuses a body with %s', (_what, body) => {
    expect(() => parseCheckpoint(body)).toThrow();
  });

  it('signs with the log key (em dash line, key ID of the SPKI, DER ECDSA) and opens with its public key', async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 7, rootHash: root }, logKey);
    const lines = note.split('\n');
    expect(lines[3]).toBe('');
    expect(lines[4].startsWith(`\u2014 ${ORIGIN} `)).toBe(true);
    const sig = Buffer.from(lines[4].split(' ')[2], 'base64');
    const spki = logKey.publicKey.export({ format: 'der', type: 'spki' });
    expect(sig.subarray(0, 4).equals(createHash('sha256').update(spki).digest().subarray(0, 4))).toBe(true);
    expect(sig[4]).toBe(0x30);
    expect(openCheckpoint(note, { origin: ORIGIN, publicKey: logKey.publicKey })).toEqual({ origin: ORIGIN, size: 7, rootHash: root });
  });

  it('refuses a note whose text was changed, a note by another key, and a note of another origin', async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 7, rootHash: root }, logKey);
    expect(() => openCheckpoint(note.replace('\n7\n', '\n8\n'), { origin: ORIGIN, publicKey: logKey.publicKey })).toThrow(/does not verify/);
    const other = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
    expect(() => openCheckpoint(note, { origin: ORIGIN, publicKey: other.publicKey })).toThrow(/not signed by/);
    expect(() => openCheckpoint(note, { origin: 'other.example/log', publicKey: logKey.publicKey })).toThrow(/not signed by/);
  });

  it('ignores signatures of unknown keys and finds the trusted one among them', async () => {
    const other = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
    const text = formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: root });
    const byOther = await signNote(text, { name: 'witness.example/w1', publicKey: other.publicKey, sign: (d) => other.sign(d) });
    const byLog = await signNote(text, { name: ORIGIN, publicKey: logKey.publicKey, sign: (d) => logKey.sign(d) });
    const both = byOther + byLog.slice(text.length + 1);
    expect(openNote(both, { name: ORIGIN, publicKey: logKey.publicKey }).text).toBe(text);
  });

  it('refuses a flipped byte anywhere in the signature', async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 3, rootHash: root }, logKey);
    const line = note.split('\n')[4];
    const sig = Buffer.from(line.split(' ')[2], 'base64');
    for (let i = 4; i < sig.length; i++) {
      const bad = Buffer.from(sig);
      bad[i] ^= 0x01;
      const tampered = note.replace(sig.toString('base64'), bad.toString('base64'));
      expect(() => openCheckpoint(tampered, { origin: ORIGIN, publicKey: logKey.publicKey })).toThrow();
    }
  });

  it('key IDs are only made for ECDSA keys', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() => noteKeyId(createPublicKey(publicKey.export({ format: 'pem', type: 'spki' })))).toThrow(/ECDSA/);
  });

  it('encodes r || s as DER integers, adding a zero byte before a high bit and dropping leading zeros', () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 0x05;
    const s = Buffer.alloc(32, 0xff);
    const der = rawEcdsaToDer(Buffer.concat([r, s]));
    expect(der.toString('hex')).toBe(`3026020105022100${'ff'.repeat(32)}`);
  });
});
