import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { HttpRequest as Request } from '../common/http-types';
import { userOf } from './auth.guard';

/** The authenticated caller (use behind `BearerAuthGuard`). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => userOf(context.switchToHttp().getRequest<Request>()));
