import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { principalOf } from '../access/principal';
import type { HttpRequest as Request } from '../common/http-types';
import { sessionRequired } from './problems';

/**
 * Routes that only a signed-in user may use (access token or session cookie), never an API key:
 * a leaked key must not be able to mint more keys. Runs after the global access guard.
 */
@Injectable()
export class SessionCredentialGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = principalOf(context.switchToHttp().getRequest<Request>());
    if (principal.credential.kind === 'api-key') throw sessionRequired();
    return true;
  }
}
