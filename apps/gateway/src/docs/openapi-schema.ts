import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorCode } from '@fleetsign/errors';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../http/http-problem';

/** OpenAPI 3.0 schema of a zod schema: request bodies as accepted (`input`), responses as sent. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json as SchemaObject;
}

/** The error body every failing route sends. */
export const problemSchema = z.object({
  type: z.string().describe('URI naming the error code, urn:fleetsign:error:<code>'),
  title: z.string().describe('HTTP status text'),
  status: z.number().int(),
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]).describe('Stable machine-readable code'),
  detail: z.string().describe('One line a person can act on'),
  errors: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('VALIDATION_FAILED: every invalid field by dotted path'),
});

/** A JSON request body described by a zod schema. */
export function ApiJsonBody(schema: z.ZodType, description?: string) {
  return ApiBody({ schema: openApiSchema(schema, 'input'), description, required: true });
}

/** A JSON success response described by a zod schema. */
export function ApiJsonResponse(status: number, schema: z.ZodType, description: string) {
  return ApiResponse({ status, description, content: { 'application/json': { schema: openApiSchema(schema) } } });
}

/** Error responses of a route: status -> the codes it may carry. */
export function ApiProblems(problems: Record<number, readonly ErrorCode[]>) {
  const schema = openApiSchema(problemSchema);
  return applyDecorators(
    ...Object.entries(problems).map(([status, codes]) =>
      ApiResponse({
        status: Number(status),
        description: `Problem details; code ${codes.join(' | ')}`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema } },
      }),
    ),
  );
}
