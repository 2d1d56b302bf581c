import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RequestIdMiddleware } from './request-id.middleware';

/** What every gateway response shares: a request id and problem details for errors. */
@Module({ providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }] })
export class HttpCommonModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
