import { Module } from '@nestjs/common';

/** The OpenAPI 3.1 document of the public API and its interactive reference page. */
@Module({})
export class OpenApiModule {}
