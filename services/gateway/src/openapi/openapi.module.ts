import { Module } from '@nestjs/common';
import { DocsPageController } from './docs-page.controller';
import { OpenApiController } from './openapi.controller';
import { OpenApiService } from './openapi.service';

/** The OpenAPI 3.1 document of the public API and its interactive reference page. */
@Module({ controllers: [OpenApiController, DocsPageController], providers: [OpenApiService] })
export class OpenApiModule {}
