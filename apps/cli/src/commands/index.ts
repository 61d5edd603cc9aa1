import type { CommandRegistration } from '../command-context';
import { registerAudit } from './audit/audit-commands';
import { CLIENT_COMMANDS } from './client';
import { registerDigestSbv2PublicKey } from './digest-sbv2-public-key';
import { registerExtractPublicKey } from './extract-public-key';
import { registerGenerateSigningKey } from './generate-signing-key';
import { registerSignData } from './sign-data';
import { registerSignatureInfoV2 } from './signature-info-v2';
import { registerVerifySignature } from './verify-signature';

/**
 * Every `fleetsign` subcommand, in help order: the espsecure-compatible offline commands,
 * then the service-client commands (submit, batch, status, public-keys), then `audit`.
 */
export const FLEETSIGN_COMMANDS: readonly CommandRegistration[] = [
  registerSignData,
  registerVerifySignature,
  registerSignatureInfoV2,
  registerDigestSbv2PublicKey,
  registerExtractPublicKey,
  registerGenerateSigningKey,
  ...CLIENT_COMMANDS,
  registerAudit,
];
