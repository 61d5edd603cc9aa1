import { ErrorCode } from '@fleetsign/errors';
import { z } from 'zod';

/** Media type of every error body the gateway sends (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A field that failed validation, by dotted path. */
export const fieldViolationSchema = z.object({ path: z.string(), message: z.string() });
export type FieldViolation = z.output<typeof fieldViolationSchema>;

/** The error body every failing route sends (application/problem+json). */
export const problemSchema = z.object({
  type: z.string().describe('URI naming the error code, urn:fleetsign:error:<code>'),
  title: z.string().describe('HTTP status text'),
  status: z.number().int(),
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]).describe('Stable machine-readable code'),
  detail: z.string().describe('One line a person can act on'),
  errors: z
    .array(fieldViolationSchema)
    .optional()
    .describe('VALIDATION_FAILED: every invalid field by dotted path'),
});
export type Problem = z.output<typeof problemSchema>;
