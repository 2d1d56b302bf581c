import { NestFactory, ModulesContainer } from '@nestjs/core';
import { rootPackageVersion } from '@leap/config';
import { silentLogger } from '@leap/messaging';
import { serviceAppModule, type PlatformConfig } from '@leap/platform';
import { gatewayService } from '../service';
import { buildOpenApiDocument, controllersIn, type OpenApiDocument } from './openapi-document';

/**
 * The gateway's document without a running gateway: Nest's preview mode scans the very module
 * graph the gateway runs (the same modules, controllers and decorators) but instantiates no
 * provider, so no database, broker or configuration is needed. The version is the root
 * package.json's, which is what `SERVICE_VERSION` defaults to.
 */
export async function buildOfflineOpenApiDocument(): Promise<OpenApiDocument> {
  const version = rootPackageVersion();
  const module = serviceAppModule(gatewayService, { SERVICE_VERSION: version } as PlatformConfig, silentLogger);
  const app = await NestFactory.createApplicationContext(module, { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(controllersIn(app.get(ModulesContainer)), { version });
  } finally {
    await app.close();
  }
}

/** How docs/openapi.json is written: two-space indentation and a trailing newline. */
export function serializeOpenApi(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
