import type { CommandRegistration } from '../command-context';
import { registerAudit } from './audit/audit-commands';
import { CLIENT_COMMANDS } from './client';
import { registerDigestSbv2PublicKey } from './digest-sbv2-public-key';
import { registerExtractPublicKey } from './extract-public-key';
import { registerGenerateSigningKey } from './generate-signing-key';
import { registerKeys } from './keys-csr';
import { registerSignData } from './sign-data';
import { registerSignatureInfoV2 } from './signature-info-v2';
import { registerVerifySignature } from './verify-signature';
import { registerInit } from './service/init';
import { registerServe } from './service/serve';

/**
 * Every `fleetsign` subcommand, in help order: the espsecure-compatible offline commands,
 * then the service-client commands (submit, batch, status, public-keys), then the
 * local installation (init, serve), then `audit`.
 */
export const FLEETSIGN_COMMANDS: readonly CommandRegistration[] = [
  registerSignData,
  registerVerifySignature,
  registerSignatureInfoV2,
  registerDigestSbv2PublicKey,
  registerExtractPublicKey,
  registerGenerateSigningKey,
  registerKeys,
  ...CLIENT_COMMANDS,
  registerInit,
  registerServe,
  registerAudit,
];
