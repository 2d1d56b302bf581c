import type { HttpRequest as Request } from '../common/http-types';
import { unauthenticated } from './problems';

export const SCOPES = ['read', 'write', 'admin'] as const;
/** What a credential may do: `read` (safe methods), `write` (everything else), `admin` (the admin API). */
export type Scope = (typeof SCOPES)[number];

export const FEATURE_FLAGS = ['upload', 'process', 'transcribe', 'export'] as const;
/** Per-user switches an admin can turn off; a route that needs one answers 403 `FEATURE.DISABLED`. */
export type FeatureFlag = (typeof FEATURE_FLAGS)[number];

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** How the caller proved who they are. */
export type Credential =
  | { kind: 'access-token'; via: 'bearer' | 'cookie' | 'stream-token'; sessionId: string; tokenId: string }
  | { kind: 'api-key'; keyId: string };

/** The authenticated caller of a request. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  flags: Record<FeatureFlag, boolean>;
  /** Scopes of the credential: an access token has every scope its role allows; an API key those it was given. */
  scopes: readonly Scope[];
  credential: Credential;
}

/** The scopes a role allows. */
export function scopesOfRole(role: Role): Scope[] {
  return role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
}

const PRINCIPAL = Symbol('leap:principal');

export function setPrincipal(request: Request, principal: Principal): void {
  (request as unknown as Record<symbol, Principal>)[PRINCIPAL] = principal;
}

/** The caller, or undefined on a public route nobody signed in to. */
export function optionalPrincipalOf(request: Request): Principal | undefined {
  return (request as unknown as Record<symbol, Principal | undefined>)[PRINCIPAL];
}

/** The caller of an authenticated route. */
export function principalOf(request: Request): Principal {
  const principal = optionalPrincipalOf(request);
  if (!principal) throw unauthenticated();
  return principal;
}

/** What the access check reads of an account (one row of `users`). */
export interface AccountAccessState {
  id: string;
  email: string;
  role: Role;
  isActive: boolean;
  emailVerifiedAt: Date | null;
  tokenVersion: number;
  flags: Record<FeatureFlag, boolean>;
}

/**
 * The principal of an account using `credential`. `scopes` (an API key's) are cut down to what the
 * account's role allows, so a key made by an admin who is later demoted loses `admin`.
 */
export function principalFrom(account: AccountAccessState, credential: Credential, scopes?: readonly Scope[]): Principal {
  const allowed = scopesOfRole(account.role);
  return {
    userId: account.id,
    email: account.email,
    role: account.role,
    flags: { ...account.flags },
    scopes: scopes ? scopes.filter((s) => allowed.includes(s)) : allowed,
    credential,
  };
}
