import { HASH_SIZE } from './merkle-hash';
import { type NoteSigner, type NoteVerifier, openNote, signNote } from './signed-note';

/** A tree head: the log `origin` had `size` entries with Merkle root `rootHash`. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
}

/** The checkpoint body in the C2SP tlog-checkpoint format: origin, size, base64 root, each on its own line. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (checkpoint.origin.length === 0 || /[\n\r]/.test(checkpoint.origin)) throw new Error('checkpoint origin must be one non-empty line');
  if (checkpoint.rootHash.length !== HASH_SIZE) throw new Error('checkpoint root must be a SHA-256 hash');
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.rootHash.toString('base64')}\n`;
}

/** Parses a checkpoint body (extension lines after the root are ignored); throws Error when malformed. */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('checkpoint must have origin, size and root lines');
  const [origin, sizeText, rootText] = lines;
  if (origin.length === 0) throw new Error('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new Error('checkpoint size is not a decimal number');
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== HASH_SIZE || rootHash.toString('base64') !== rootText) throw new Error('checkpoint root is not a base64 SHA-256 hash');
  return { origin, size: Number(sizeText), rootHash };
}

/** Signs a checkpoint with the log key; the key name is the origin, as log tooling expects. */
export async function signCheckpoint(checkpoint: Checkpoint, sign: Omit<NoteSigner, 'name'>): Promise<string> {
  return signNote(formatCheckpoint(checkpoint), { name: checkpoint.origin, publicKey: sign.publicKey, sign: (digest) => sign.sign(digest) });
}

/** Verifies a signed checkpoint of `origin` with the log's public key and returns it; throws Error otherwise. */
export function openCheckpoint(note: string, verifier: Pick<NoteVerifier, 'publicKey'> & { origin: string }): Checkpoint {
  const { text } = openNote(note, { name: verifier.origin, publicKey: verifier.publicKey });
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== verifier.origin) throw new Error(`checkpoint is of log '${checkpoint.origin}', not '${verifier.origin}'`);
  return checkpoint;
}
