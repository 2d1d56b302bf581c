import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';

/** Claims of an access token. */
export interface AccessClaims {
  sub: string;
  email: string;
  type: 'access';
  iat: number;
  exp: number;
  jti: string;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires. */
  expiresIn: number;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Signs and verifies HS256 JWT access tokens with `JWT_SECRET`, valid for `JWT_ACCESS_TTL`. */
@Injectable()
export class TokenService {
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;

  constructor(@Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'JWT_SECRET' | 'JWT_ACCESS_TTL'>) {
    this.secret = Buffer.from(config.JWT_SECRET, 'utf8');
    this.ttlSeconds = Math.max(1, Math.floor(config.JWT_ACCESS_TTL / 1000));
  }

  issue(user: { id: string; email: string }, nowMs = Date.now()): IssuedToken {
    const iat = Math.floor(nowMs / 1000);
    const claims: AccessClaims = { sub: user.id, email: user.email, type: 'access', iat, exp: iat + this.ttlSeconds, jti: uuidv7() };
    const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    return { accessToken: `${body}.${this.sign(body)}`, tokenType: 'Bearer', expiresIn: this.ttlSeconds };
  }

  /** The claims of a valid, unexpired access token, or undefined for anything else. */
  verify(token: string, nowMs = Date.now()): AccessClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
      if (head.alg !== 'HS256') return undefined;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<AccessClaims>;
      if (claims.type !== 'access' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return undefined;
      if (claims.exp * 1000 <= nowMs) return undefined;
      return claims as AccessClaims;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
