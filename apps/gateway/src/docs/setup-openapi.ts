import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Where the OpenAPI document is served: JSON at /docs, YAML at /docs.yaml. */
export const OPENAPI_JSON_PATH = 'docs';
export const OPENAPI_YAML_PATH = 'docs.yaml';

/** Builds the OpenAPI document from the controllers' decorators and serves it (no auth). */
export function setupOpenApi(app: NestFastifyApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('FleetSign API')
    .setDescription(
      'Signs ESP32 firmware for Secure Boot with keys held in HSMs. Authenticate with ' +
        '`Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code`.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API token issued by the operator' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // The interactive UI needs @fastify/static; the document itself is what clients and generators use.
  SwaggerModule.setup('docs', app, document, {
    ui: false,
    raw: ['json', 'yaml'],
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: OPENAPI_YAML_PATH,
  });
}
