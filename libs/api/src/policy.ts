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
    usage: z
      .array(
        z.object({
          keyIndex: z.number().int(),
          keyDigestSha256: z.string().describe('SHA-256 public-key digest (hex): keys are counted by it'),
          count: z.number().int().describe("This signature's place among the key's signatures (1 = the first)"),
          maxSignatures: z.number().int().optional(),
          remaining: z.number().int().optional().describe('Signatures left under max_signatures after this one'),
          window: z
            .object({ length: z.string(), max: z.number().int(), used: z.number().int(), remaining: z.number().int() })
            .optional()
            .describe('Sliding window: signatures within it (this one included) and what is left'),
        }),
      )
      .optional()
      .describe('Usage of the keys with a usage_limit, as reserved for this signature (absent when an earlier signature was reused)'),
    approvals: z
      .array(
        z.object({
          approver: z.string(),
          decision: z.enum(['approve', 'reject']),
          at: z.string(),
          comment: z.string().optional(),
        }),
      )
      .optional()
      .describe('Profiles with approval: the decisions that released the signing'),
    lifecycle: z
      .object({
        profileState: z.enum(['active', 'retiring']),
        keyStates: z.array(z.object({ index: z.number().int(), state: z.enum(['active', 'retiring']) })),
      })
      .optional()
      .describe('States the signing was made under; absent when the profile and every key were active'),
  })
  .describe('Policy facts of the signing, as recorded');
export type SigningPolicyView = z.output<typeof signingPolicySchema>;
