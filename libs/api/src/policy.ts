import { z } from 'zod';

// The policy facts of a signing (SigningPolicyFacts of @fleetsign/queue) in API responses and webhook events.

/** `policy` of a job result and a batch item: who asked and what was signed. */
export const signingPolicySchema = z
  .object({
    requester: z.string().optional().describe('Id of the API key that submitted the job or its batch'),
    app: z
      .object({
        projectName: z.string(),
        version: z.string(),
        secureVersion: z.number().int().describe('Anti-rollback secure_version of the image'),
        idfVersion: z.string(),
        buildDate: z.string(),
        buildTime: z.string(),
      })
      .optional()
      .describe("The image's esp_app_desc_t; absent for images without one (bootloaders)"),
    previousSecureVersion: z
      .number()
      .int()
      .optional()
      .describe('Highest secure_version signed before with this profile for the project (anti-rollback profiles)'),
    certificates: z
      .array(
        z.object({
          keyIndex: z.number().int(),
          serial: z.string().describe('Serial number (hex)'),
          subject: z.string(),
          issuer: z.string(),
          sha256Fingerprint: z.string().describe('SHA-256 of the DER certificate (hex)'),
          notAfter: z.string(),
        }),
      )
      .optional()
      .describe("The keys' code-signing certificates as checked before the signing (profiles with trust_anchors_file)"),
  })
  .describe('Policy facts of the signing, as recorded');
export type SigningPolicyView = z.output<typeof signingPolicySchema>;
