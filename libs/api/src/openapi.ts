import { z } from 'zod';

/** An OpenAPI 3.0 schema object. */
export type OpenApiSchemaObject = Record<string, unknown>;

/**
 * OpenAPI 3.0 schema of one of this library's zod schemas: request bodies as accepted
 * (`input`: defaults optional, before transforms), responses as sent (`output`).
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): OpenApiSchemaObject {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
