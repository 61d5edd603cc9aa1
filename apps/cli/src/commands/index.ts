import type { CommandRegistration } from '../command-context';
import { registerDigestSbv2PublicKey } from './digest-sbv2-public-key';
import { registerExtractPublicKey } from './extract-public-key';
import { registerGenerateSigningKey } from './generate-signing-key';
import { registerSignData } from './sign-data';
import { registerSignatureInfoV2 } from './signature-info-v2';
import { registerVerifySignature } from './verify-signature';

/**
 * The espsecure-compatible offline subcommands, in help order. Service-client commands
 * (submit, batch, status) are registered the same way in a list of their own.
 */
export const OFFLINE_COMMANDS: readonly CommandRegistration[] = [
  registerSignData,
  registerVerifySignature,
  registerSignatureInfoV2,
  registerDigestSbv2PublicKey,
  registerExtractPublicKey,
  registerGenerateSigningKey,
];
