import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = { security?: Array<Record<string, string[]>> };

/**
 * What Nest's generator leaves out and OpenAPI tools require: a route without a
 * security requirement is public, which the document must say (`security: []`), not
 * leave unspecified. Pure: returns a new document.
 */
export function finishOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const finished: Record<string, unknown> = {};
    for (const [method, value] of Object.entries(item)) {
      const isOperation = typeof value === 'object' && value !== null && 'responses' in value;
      finished[method] = isOperation ? { ...(value as Operation), security: (value as Operation).security ?? [] } : value;
    }
    paths[path] = finished as OpenAPIObject['paths'][string];
  }
  return { ...document, paths };
}
