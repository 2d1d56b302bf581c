import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { HttpRequest as Request } from '../common/http-types';
import { principalOf } from '../access/principal';

/** The authenticated caller (a `Principal`) of a private route. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => principalOf(context.switchToHttp().getRequest<Request>()));
