import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  type KMSClientConfig,
  SignCommand,
  type SignCommandOutput,
} from '@aws-sdk/client-kms';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { derEcdsaToRaw } from '@fleetsign/secure-boot';
import { algorithmOfKey, assertDigestLength, EC_CURVES, RSA_SIGNATURE_LENGTH } from '../key-algorithm';
import type { KeySigner } from '../key-signer';
import { type KmsCallContext, kmsErrorToFleetSignError } from './kms-errors';
import { KMS_SIGNING_MODES, type KmsSigningMode, kmsSigningModeOf } from './kms-key-spec';

/** Where the key is and how to reach KMS. */
export interface AwsKmsSignerOptions {
  /** Key id, key ARN, alias name (alias/...) or alias ARN. */
  keyId: string;
  region: string;
  /** Custom endpoint (VPC endpoint, or a local KMS in tests). */
  endpoint?: string;
  /** Static credentials or a provider; default: the AWS SDK's default chain (env, web identity, instance role). */
  credentials?: KMSClientConfig['credentials'];
  /** Attempts per KMS call including the first (AWS SDK standard retry with backoff; default 3). */
  maxAttempts?: number;
  /** Time allowed for one attempt's response, in ms (default 10000). */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;

function unsupported(keyId: string, why: string, details: Record<string, unknown>): FleetSignError {
  return new FleetSignError(ErrorCode.UnsupportedKey, `AWS KMS key ${keyId} ${why}`, {
    provider: 'aws-kms',
    keyId,
    retryable: false,
    ...details,
  });
}

function kmsFailure(context: KmsCallContext, why: string): FleetSignError {
  return new FleetSignError(
    ErrorCode.KmsError,
    `AWS KMS ${context.operation} for key ${context.keyId} ${why}`,
    {
      provider: 'aws-kms',
      keyId: context.keyId,
      operation: context.operation,
      retryable: false,
    },
  );
}

async function call<T>(context: KmsCallContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw kmsErrorToFleetSignError(err, context);
  }
}

/** Checks a GetPublicKey answer describes a Secure Boot signing key and returns its public key and mode. */
function signingKeyOf(
  keyId: string,
  info: GetPublicKeyCommandOutput,
): { publicKey: KeyObject; mode: KmsSigningMode } {
  if (info.KeyUsage !== 'SIGN_VERIFY') {
    throw unsupported(keyId, `has KeyUsage ${info.KeyUsage ?? 'unknown'}; signing needs SIGN_VERIFY`, {
      keyUsage: info.KeyUsage,
    });
  }
  const mode = kmsSigningModeOf(info.KeySpec);
  if (!mode) {
    throw unsupported(
      keyId,
      `is ${info.KeySpec ?? 'of unknown KeySpec'}; Secure Boot needs ${Object.keys(KMS_SIGNING_MODES).join(', ')}`,
      { keySpec: info.KeySpec },
    );
  }
  if (info.SigningAlgorithms && !info.SigningAlgorithms.includes(mode.signingAlgorithm)) {
    throw unsupported(keyId, `does not offer ${mode.signingAlgorithm}`, {
      signingAlgorithms: info.SigningAlgorithms,
    });
  }
  const context: KmsCallContext = { operation: 'GetPublicKey', keyId };
  if (!info.PublicKey) throw kmsFailure(context, 'returned no public key');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(info.PublicKey), format: 'der', type: 'spki' });
  } catch {
    throw kmsFailure(context, 'returned a public key that is not DER SubjectPublicKeyInfo');
  }
  const actual = algorithmOfKey(publicKey);
  if (actual !== mode.algorithm) {
    throw kmsFailure(context, `returned a ${actual} public key for KeySpec ${info.KeySpec}`);
  }
  return { publicKey, mode };
}

/** The raw signature DigestSigner promises: RSA 384 bytes; ECDSA r||s, each the curve's field size. */
function rawSignature(mode: KmsSigningMode, signature: Uint8Array, context: KmsCallContext): Buffer {
  const sig = Buffer.from(signature);
  if (mode.algorithm === 'rsa3072') {
    if (sig.length > RSA_SIGNATURE_LENGTH)
      throw kmsFailure(context, `returned a ${sig.length}-byte RSA signature`);
    // I2OSP: an integer below the modulus, left-padded to the modulus length.
    return sig.length === RSA_SIGNATURE_LENGTH
      ? sig
      : Buffer.concat([Buffer.alloc(RSA_SIGNATURE_LENGTH - sig.length), sig]);
  }
  try {
    return derEcdsaToRaw(sig, EC_CURVES[mode.algorithm].fieldSize);
  } catch {
    throw kmsFailure(context, 'returned an ECDSA signature that is not DER SEQUENCE{r, s}');
  }
}

/**
 * A KeySigner for an asymmetric AWS KMS key (RSA_3072, ECC_NIST_P256, ECC_NIST_P384;
 * KeyUsage SIGN_VERIFY). Reads the public key once, then signs digests with
 * Sign(MessageType DIGEST). Failures are FleetSignError KeyNotFound, UnsupportedKey,
 * InvalidDigest or KmsError, with details.retryable set for throttling, KMS 5xx and
 * network failures (after the AWS SDK's own retries).
 */
export async function createAwsKmsSigner(options: AwsKmsSignerOptions): Promise<KeySigner> {
  const { keyId, region } = options;
  const client = new KMSClient({
    region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionTimeout: CONNECT_TIMEOUT_MS,
    },
  });
  let key: { publicKey: KeyObject; mode: KmsSigningMode };
  let keyArn: string;
  try {
    const info = await call({ operation: 'GetPublicKey', keyId }, () =>
      client.send(new GetPublicKeyCommand({ KeyId: keyId })),
    );
    key = signingKeyOf(keyId, info);
    // Sign by ARN, not by the configured alias: were the alias moved to another key,
    // signatures would stop matching the public key read here.
    keyArn = info.KeyId ?? keyId;
  } catch (err) {
    client.destroy();
    throw err;
  }
  const { publicKey, mode } = key;
  const context: KmsCallContext = { operation: 'Sign', keyId };
  let closed = false;

  return {
    algorithm: mode.algorithm,
    publicKey,
    description: `aws-kms:region=${region};key=${keyId}`,
    async sign(digest: Buffer): Promise<Buffer> {
      if (closed) throw kmsFailure(context, 'was requested after the signer was closed');
      assertDigestLength(mode.algorithm, digest);
      const out: SignCommandOutput = await call(context, () =>
        client.send(
          new SignCommand({
            KeyId: keyArn,
            Message: digest,
            MessageType: 'DIGEST',
            SigningAlgorithm: mode.signingAlgorithm,
          }),
        ),
      );
      if (!out.Signature) throw kmsFailure(context, 'returned no signature');
      return rawSignature(mode, out.Signature, context);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      client.destroy();
    },
  };
}
