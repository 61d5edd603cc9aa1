import type { FieldViolation } from '@fleetsign/api';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { z } from 'zod';

export type { FieldViolation };

/** Flattens zod issues into field paths a client can act on. */
export function fieldViolations(error: z.ZodError): FieldViolation[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses `value` with `schema`, or throws 400 VALIDATION_FAILED listing every bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldViolations(result.error);
  const first = errors[0];
  const summary = first ? `${first.path || what}: ${first.message}` : 'invalid';
  throw new FleetSignError(ErrorCode.ValidationFailed, `Invalid ${what} (${summary})`, { errors });
}
