import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PROBLEM_CONTENT_TYPE, openApiSchema as apiOpenApiSchema, problemSchema } from '@fleetsign/api';
import type { ErrorCode } from '@fleetsign/errors';
import type { z } from 'zod';

// Route decorators over the schemas of @fleetsign/api: the OpenAPI document is generated from them.

/** OpenAPI 3.0 schema of a zod schema: request bodies as accepted (`input`), responses as sent. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  return apiOpenApiSchema(schema, io) as SchemaObject;
}

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
