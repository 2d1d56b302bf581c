import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { headerOf, type HttpRequest as Request } from '../common/http-types';
import { LeapError } from '@leap/messaging';
import { logContext } from '@leap/logging';
import { TokenService } from './token.service';
import type { AuthenticatedUser } from './auth.dto';

const USER = Symbol('leap:user');

export function unauthenticated(message = 'A valid bearer token is required'): LeapError {
  return new LeapError('AUTH.UNAUTHENTICATED', message, { status: 401, details: { headers: { 'WWW-Authenticate': 'Bearer' } } });
}

/** The caller the guard authenticated. */
export function userOf(request: Request): AuthenticatedUser {
  const user = (request as unknown as Record<symbol, AuthenticatedUser | undefined>)[USER];
  if (!user) throw unauthenticated();
  return user;
}

/** `Authorization: Bearer <access token>`; anything else is a 401 `AUTH.UNAUTHENTICATED`. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const header = headerOf(request, 'authorization') ?? '';
    const match = /^Bearer\s+([A-Za-z0-9_.-]+)$/i.exec(header.trim());
    if (!match) throw unauthenticated();
    const claims = this.tokens.verify(match[1]!);
    if (!claims) throw unauthenticated('The bearer token is invalid or expired');
    (request as unknown as Record<symbol, AuthenticatedUser>)[USER] = { id: claims.sub, email: claims.email };
    logContext.assign({ userId: claims.sub });
    return true;
  }
}
