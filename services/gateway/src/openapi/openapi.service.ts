import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { buildOpenApiDocument, controllersIn, type OpenApiDocument } from './openapi-document';

/** Holds the document of every route the gateway registered, built once when the application boots. */
@Injectable()
export class OpenApiService implements OnApplicationBootstrap {
  private document?: OpenApiDocument;

  constructor(
    private readonly modules: ModulesContainer,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'SERVICE_VERSION'>,
  ) {}

  onApplicationBootstrap(): void {
    this.current();
  }

  /** The document; every module's controllers are registered by the time anything asks. */
  current(): OpenApiDocument {
    this.document ??= buildOpenApiDocument(controllersIn(this.modules), { version: this.config.SERVICE_VERSION });
    return this.document;
  }
}
