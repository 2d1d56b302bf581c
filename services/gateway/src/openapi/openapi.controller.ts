import { Controller, Get, Header } from '@nestjs/common';
import { z } from 'zod';
import { Public, RateLimitClass } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import { OpenApiService } from './openapi.service';
import type { OpenApiDocument } from './openapi-document';

/** The OpenAPI 3.1 document of this API, for client generators and the reference page. */
@Controller('api/v1')
@Public()
@RateLimitClass('none')
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  @Get('openapi.json')
  @Header('Cache-Control', 'no-cache')
  @ApiDoc({
    summary: 'The OpenAPI document',
    description: 'This document: every operation of the API, generated from the code. The same document is committed as docs/openapi.json.',
    tag: 'Documentation',
    responses: { 200: { description: 'An OpenAPI 3.1 document.', schema: z.object({ openapi: z.string() }).passthrough() } },
  })
  document(): OpenApiDocument {
    return this.openapi.current();
  }
}
