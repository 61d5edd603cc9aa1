import { spawn } from 'node:child_process';
import { createHash, generateKeyPair, type KeyObject, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A local stand-in for AWS KMS that speaks its real wire protocol (JSON 1.1: POST /,
// X-Amz-Target: TrentService.<Operation>, base64 blobs, {__type, message} errors), so
// the real @aws-sdk/client-kms runs unchanged against it. Keys are real key pairs;
// signing is done by OpenSSL (`openssl pkeyutl`), the way KMS signs a digest:
// RSA-PSS with MGF1 on the same hash and salt length = digest length, ECDSA as DER.

export type FakeKmsKeyName = 'rsa3072' | 'p256' | 'p384' | 'rsa2048' | 'secp256k1' | 'rsa3072Encrypt';

/** Errors the fake can be told to answer with, as KMS names them. */
export type FakeKmsErrorType =
  | 'ThrottlingException'
  | 'KMSInternalException'
  | 'DependencyTimeoutException'
  | 'KeyUnavailableException'
  | 'DisabledException'
  | 'AccessDeniedException';

export interface FakeKmsKey {
  /** The key's UUID; the ARN and the alias name (alias/fleetsign-test-<name>) work too. */
  keyId: string;
  arn: string;
  alias: string;
  keySpec: string;
  keyUsage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT';
  publicKeyPem: string;
}

export interface FakeKmsCall {
  target: string;
  keyId?: string;
  status: number;
  errorType?: string;
}

export interface FakeKms {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  region: string;
  /** The only credentials the fake accepts (it checks the SigV4 scope, not the HMAC). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  keys: Record<FakeKmsKeyName, FakeKmsKey>;
  /** Every request answered, oldest first. */
  calls: readonly FakeKmsCall[];
  /** Answers the next `n` requests with `type` (default ThrottlingException) instead of serving them. */
  failNext(n: number, type?: FakeKmsErrorType): void;
  stop(): Promise<void>;
}

const ERROR_STATUS: Record<string, number> = {
  ThrottlingException: 400,
  KMSInternalException: 500,
  DependencyTimeoutException: 503,
  KeyUnavailableException: 500,
};

const RSA_SIGNING = ['SHA_256', 'SHA_384', 'SHA_512'].flatMap((h) => [
  `RSASSA_PSS_${h}`,
  `RSASSA_PKCS1_V1_5_${h}`,
]);

interface KeyDefinition {
  keySpec: string;
  type: 'rsa' | 'ec';
  /** Modulus bits or curve name. */
  size: number | string;
  algorithms: string[];
  keyUsage: FakeKmsKey['keyUsage'];
}

const define = (
  keySpec: string,
  type: 'rsa' | 'ec',
  size: number | string,
  algorithms: string[],
  keyUsage: FakeKmsKey['keyUsage'] = 'SIGN_VERIFY',
): KeyDefinition => ({ keySpec, type, size, algorithms, keyUsage });

const KEY_DEFINITIONS: Record<FakeKmsKeyName, KeyDefinition> = {
  rsa3072: define('RSA_3072', 'rsa', 3072, RSA_SIGNING),
  p256: define('ECC_NIST_P256', 'ec', 'prime256v1', ['ECDSA_SHA_256']),
  p384: define('ECC_NIST_P384', 'ec', 'secp384r1', ['ECDSA_SHA_384']),
  rsa2048: define('RSA_2048', 'rsa', 2048, RSA_SIGNING),
  secp256k1: define('ECC_SECG_P256K1', 'ec', 'secp256k1', ['ECDSA_SHA_256']),
  rsa3072Encrypt: define(
    'RSA_3072',
    'rsa',
    3072,
    ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    'ENCRYPT_DECRYPT',
  ),
};

const ACCOUNT = '111122223333';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_RAW_MESSAGE_BYTES = 4096;

interface HeldKey extends FakeKmsKey {
  publicKeyDer: string;
  privateKeyFile: string;
  algorithms: string[];
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = ERROR_STATUS[type] ?? 400,
  ) {
    super(message);
  }
}

const generate = promisify(generateKeyPair) as (
  type: 'rsa' | 'ec',
  options: { modulusLength?: number; namedCurve?: string },
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

/** Runs openssl with `input` on stdin and returns its stdout. */
function openssl(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`openssl ${args[0]} exited ${code}: ${Buffer.concat(err).toString().trim()}`)),
    );
    child.stdin.end(input);
  });
}

/** Signs a digest the way KMS does for `algorithm` (e.g. RSASSA_PSS_SHA_256, ECDSA_SHA_384). */
function signDigest(key: HeldKey, algorithm: string, digest: Buffer): Promise<Buffer> {
  const hash = `sha${algorithm.slice(-3)}`;
  const args = ['pkeyutl', '-sign', '-inkey', key.privateKeyFile, '-pkeyopt', `digest:${hash}`];
  if (algorithm.startsWith('RSASSA_PSS_')) {
    args.push('-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', `rsa_pss_saltlen:${digest.length}`);
  } else if (algorithm.startsWith('RSASSA_PKCS1_')) {
    args.push('-pkeyopt', 'rsa_padding_mode:pkcs1');
  }
  return openssl(args, digest);
}

function findKey(keys: readonly HeldKey[], region: string, id: unknown): HeldKey {
  if (typeof id !== 'string' || !id) throw new KmsError('ValidationException', 'KeyId is required');
  const aliasName = id.replace(`arn:aws:kms:${region}:${ACCOUNT}:`, '');
  const key = keys.find((k) => id === k.keyId || id === k.arn || aliasName === k.alias);
  if (!key) throw new KmsError('NotFoundException', `Key '${id}' does not exist`);
  return key;
}

function getPublicKey(key: HeldKey): Record<string, unknown> {
  const algorithms =
    key.keyUsage === 'SIGN_VERIFY'
      ? { SigningAlgorithms: key.algorithms }
      : { EncryptionAlgorithms: key.algorithms };
  return {
    KeyId: key.arn,
    PublicKey: key.publicKeyDer,
    KeySpec: key.keySpec,
    CustomerMasterKeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...algorithms,
  };
}

async function sign(key: HeldKey, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const algorithm = body.SigningAlgorithm;
  if (key.keyUsage !== 'SIGN_VERIFY') {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${key.arn} key usage is ${key.keyUsage} which is not valid for Sign`,
    );
  }
  if (typeof algorithm !== 'string') {
    throw new KmsError('ValidationException', 'SigningAlgorithm is required');
  }
  if (!key.algorithms.includes(algorithm)) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `Signing algorithm ${algorithm} is not valid for key ${key.arn}`,
    );
  }
  if (typeof body.Message !== 'string') throw new KmsError('ValidationException', 'Message is required');
  const message = Buffer.from(body.Message, 'base64');
  const hash = `sha${algorithm.slice(-3)}`;
  const hashLength = createHash(hash).digest().length;
  const messageType = body.MessageType ?? 'RAW';
  let digest: Buffer;
  if (messageType === 'DIGEST') {
    if (message.length !== hashLength) {
      throw new KmsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
    }
    digest = message;
  } else if (messageType === 'RAW') {
    if (message.length > MAX_RAW_MESSAGE_BYTES) {
      throw new KmsError('ValidationException', 'Message is too long');
    }
    digest = createHash(hash).update(message).digest();
  } else {
    throw new KmsError('ValidationException', `MessageType ${String(messageType)} is not valid`);
  }
  let signature: Buffer;
  try {
    signature = await signDigest(key, algorithm, digest);
  } catch (err) {
    throw new KmsError('KMSInternalException', (err as Error).message);
  }
  return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function checkAuthorization(req: IncomingMessage, accessKeyId: string, region: string): void {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/kms\/aws4_request,/.exec(
    req.headers.authorization ?? '',
  );
  if (!match) {
    throw new KmsError(
      'MissingAuthenticationTokenException',
      'Missing or malformed SigV4 Authorization header',
    );
  }
  if (match[1] !== accessKeyId) {
    throw new KmsError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  if (match[2] !== region) {
    throw new KmsError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region ${region}`,
    );
  }
}

/** Starts a fake KMS on 127.0.0.1 (ephemeral port) holding freshly generated keys. */
export async function startFakeKms(options: { region?: string } = {}): Promise<FakeKms> {
  const region = options.region ?? 'us-east-1';
  const credentials = { accessKeyId: 'AKIAFLEETSIGNTEST', secretAccessKey: 'fake-kms-secret' };
  const dir = await mkdtemp(join(tmpdir(), 'fleetsign-fake-kms-'));
  const names = Object.keys(KEY_DEFINITIONS) as FakeKmsKeyName[];
  const held = await Promise.all(
    names.map(async (name): Promise<HeldKey> => {
      const def = KEY_DEFINITIONS[name];
      const pair = await generate(
        def.type,
        def.type === 'rsa' ? { modulusLength: def.size as number } : { namedCurve: def.size as string },
      );
      const keyId = randomUUID();
      const privateKeyFile = join(dir, `${name}.pem`);
      await writeFile(privateKeyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
      });
      return {
        keyId,
        arn: `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`,
        alias: `alias/fleetsign-test-${name}`,
        keySpec: def.keySpec,
        keyUsage: def.keyUsage,
        publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        publicKeyDer: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        privateKeyFile,
        algorithms: def.algorithms,
      };
    }),
  );

  const calls: FakeKmsCall[] = [];
  const injected: string[] = [];

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const call: FakeKmsCall = { target, status: 200 };
    calls.push(call);
    try {
      const raw = await readBody(req);
      const injectedType = injected.shift();
      if (injectedType) throw new KmsError(injectedType, `Injected ${injectedType}`);
      if (req.method !== 'POST' || req.url !== '/') {
        throw new KmsError('UnknownOperationException', 'POST / only');
      }
      if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        throw new KmsError('SerializationException', 'Content-Type must be application/x-amz-json-1.1');
      }
      checkAuthorization(req, credentials.accessKeyId, region);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new KmsError('SerializationException', 'Request body is not JSON');
      }
      call.keyId = typeof body.KeyId === 'string' ? body.KeyId : undefined;
      const key = findKey(held, region, body.KeyId);
      if (target === 'TrentService.GetPublicKey') answer(res, 200, getPublicKey(key));
      else if (target === 'TrentService.Sign') answer(res, 200, await sign(key, body));
      else throw new KmsError('UnknownOperationException', `Operation ${target} is not supported`);
    } catch (err) {
      const error = err instanceof KmsError ? err : new KmsError('KMSInternalException', String(err), 500);
      call.status = error.status;
      call.errorType = error.type;
      answer(res, error.status, { __type: error.type, message: error.message });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials,
    keys: Object.fromEntries(
      names.map((name, i) => {
        const { privateKeyFile: _file, publicKeyDer: _der, algorithms: _algorithms, ...key } = held[i];
        return [name, key];
      }),
    ) as Record<FakeKmsKeyName, FakeKmsKey>,
    calls,
    failNext(n, type = 'ThrottlingException') {
      for (let i = 0; i < n; i++) injected.push(type);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
