import canonicalize from 'canonicalize';
import { z } from 'zod';
import { leafHash } from './merkle-hash';

const HEX_SHA256 = z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256');

/** One key that signed the image, as the entry names it. */
const entryKeySchema = z.object({
  index: z.number().int().min(0),
  algorithm: z.string().min(1),
  /** Hex SHA-256 of the public key (32 bytes). */
  keyDigestSha256: HEX_SHA256,
  /** Hex digest as the chip burns it into eFuse (16 bytes on ESP32-C2). */
  keyDigestEfuse: z.string().regex(/^[0-9a-f]{32,64}$/),
  /** Where the key lives (never a PIN). */
  keyRef: z.string(),
});

/**
 * The canonical log entry: one signing event. Every field is documented in the README
 * ("Transparency log"); the leaf is SHA-256(0x00 || RFC 8785 JSON of the entry).
 */
export const logEntrySchema = z
  .object({
    version: z.literal(1),
    /** Position in the log, from 0: the leaf index. */
    seq: z.number().int().min(0),
    /** `signed`: a new signature was made; `reused`: an earlier signed file of the same image was handed out. */
    kind: z.enum(['signed', 'reused']),
    jobId: z.string().min(1),
    tenant: z.string().min(1),
    /** Name of the API key that asked, or the subject of a CI identity's OIDC token, when known. */
    requester: z.string().optional(),
    /** The OIDC token's issuer when `requester` is a token subject. */
    requesterIssuer: z.string().optional(),
    profile: z.string().min(1),
    scheme: z.string().min(1),
    chip: z.string(),
    keys: z.array(entryKeySchema).min(1),
    source: z.object({ key: z.string(), sha256: HEX_SHA256, size: z.number().int().min(0) }),
    /** Hex SHA-256 of the signed data (the image padded to 4 KiB for V2). */
    imageSha256: HEX_SHA256,
    signed: z.object({ key: z.string(), sha256: HEX_SHA256, size: z.number().int().min(0), signedDataLength: z.number().int().min(0) }),
    batch: z.object({ id: z.string(), item: z.number().int().min(0).optional() }).optional(),
    /** The job whose signed file was reused (kind `reused`). */
    reusedFrom: z.string().optional(),
    /** When the gateway accepted the request (ISO 8601). */
    requestedAt: z.string(),
    /** When the entry was made (ISO 8601). */
    time: z.string(),
    metadata: z.record(z.string(), z.string()).optional(),
    /** Profiles with approval: every approver's decision that released the signing (dual control). */
    approvals: z
      .array(
        z
          .object({
            approver: z.string().min(1),
            decision: z.enum(['approve', 'reject']),
            at: z.string(),
            comment: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
    /** Decisions of the signing policy, filled by the policy when one applies. */
    policy: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type LogEntry = z.infer<typeof logEntrySchema>;

/** The entry before the log gives it its position. */
export type UnsequencedEntry = Omit<LogEntry, 'seq'>;

/** The leaf data: the entry as RFC 8785 canonical JSON, UTF-8. */
export function encodeEntry(entry: LogEntry): Buffer {
  return Buffer.from(canonicalize(entry) as string, 'utf8');
}

/** Parses leaf data back into an entry; throws Error with the first problem when it is not one. */
export function decodeEntry(data: Buffer | string): LogEntry {
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    throw new Error('log entry is not JSON');
  }
  const parsed = logEntrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`log entry is malformed: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The Merkle leaf hash of an entry. */
export function entryLeafHash(entry: LogEntry): Buffer {
  return leafHash(encodeEntry(entry));
}
