import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { finishOpenApiDocument } from './finish-openapi';

/** Where the documentation is served: the browsable UI, the JSON and the YAML document. */
export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';
export const OPENAPI_YAML_PATH = 'docs.yaml';

/** The generated OpenAPI document (from the controllers' decorators), finished for linters and generators. */
export function buildOpenApiDocument(app: NestFastifyApplication, version: string, serverUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('FleetSign API')
    .setDescription(
      'Signs ESP32 firmware for Secure Boot with keys held in HSMs. Authenticate with ' +
        '`Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code`.',
    )
    .setVersion(version)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(serverUrl, 'This gateway')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque API token or OIDC JWT',
      description:
        'An opaque API token issued by the operator (the gateway stores only its SHA-256), or an OIDC token (JWT) of a ' +
        'CI identity the operator configured (GitHub Actions, GitLab CI, Kubernetes service accounts)',
    })
    .build();
  return finishOpenApiDocument(SwaggerModule.createDocument(app, config));
}

/** Serves the documentation without auth: Swagger UI at /docs, JSON at /docs/openapi.json, YAML at /docs.yaml. */
export function setupOpenApi(app: NestFastifyApplication, version: string, serverUrl: string): void {
  const document = buildOpenApiDocument(app, version, serverUrl);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    ui: true,
    raw: ['json', 'yaml'],
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: OPENAPI_YAML_PATH,
    customSiteTitle: 'FleetSign API',
  });
}
