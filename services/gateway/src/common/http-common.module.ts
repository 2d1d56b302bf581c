import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { RequestInputInterceptor } from '../http/request-input.interceptor';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RequestIdMiddleware } from './request-id.middleware';

/**
 * What every gateway request and response shares: a request id, problem details for errors, and
 * input read within limits (its interceptor is registered first, so it runs before the others).
 */
@Module({
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_INTERCEPTOR, useClass: RequestInputInterceptor },
  ],
})
export class HttpCommonModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
