import { Inject, Injectable } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';

/** Claims of an access token. */
export interface AccessClaims {
  /** The user id. */
  sub: string;
  email: string;
  /** The session the token belongs to: revoking the session stops the token at once. */
  sid: string;
  /** The account's token version when the token was issued; raising it stops every token. */
  tv: number;
  /** The token's own id. */
  jti: string;
  type: 'access';
  iat: number;
  exp: number;
}

/** What an access token is issued for. */
export interface AccessSubject {
  userId: string;
  email: string;
  sessionId: string;
  tokenVersion: number;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds until the token expires. */
  expiresIn: number;
  claims: AccessClaims;
}

/** A new refresh token: the secret for the client, and the hash that is all the database keeps. */
export interface NewRefreshToken {
  token: string;
  hash: Buffer;
  expiresAt: Date;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * Access tokens are HS256 JWTs signed with `JWT_SECRET`, valid for `JWT_ACCESS_TTL`. Refresh tokens
 * are opaque: 32 random bytes in base64url, stored only as their SHA-256, valid for `JWT_REFRESH_TTL`.
 */
@Injectable()
export class TokenService {
  private readonly secret: Buffer;
  /** Seconds an access token lives. */
  readonly accessTtlSeconds: number;
  /** Seconds a refresh token lives. */
  readonly refreshTtlSeconds: number;

  constructor(@Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'JWT_SECRET' | 'JWT_ACCESS_TTL' | 'JWT_REFRESH_TTL'>) {
    this.secret = Buffer.from(config.JWT_SECRET, 'utf8');
    this.accessTtlSeconds = Math.max(1, Math.floor(config.JWT_ACCESS_TTL / 1000));
    this.refreshTtlSeconds = Math.max(1, Math.floor(config.JWT_REFRESH_TTL / 1000));
  }

  issueAccess(subject: AccessSubject, nowMs = Date.now()): IssuedAccessToken {
    const iat = Math.floor(nowMs / 1000);
    const claims: AccessClaims = {
      sub: subject.userId,
      email: subject.email,
      sid: subject.sessionId,
      tv: subject.tokenVersion,
      jti: uuidv7(),
      type: 'access',
      iat,
      exp: iat + this.accessTtlSeconds,
    };
    const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    return { accessToken: `${body}.${this.sign(body)}`, expiresIn: this.accessTtlSeconds, claims };
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
      if (claims.type !== 'access') return undefined;
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.jti !== 'string') return undefined;
      if (!Number.isInteger(claims.tv) || typeof claims.exp !== 'number') return undefined;
      if (claims.exp * 1000 <= nowMs) return undefined;
      return claims as AccessClaims;
    } catch {
      return undefined;
    }
  }

  /** A fresh refresh token expiring `JWT_REFRESH_TTL` from now. */
  newRefreshToken(nowMs = Date.now()): NewRefreshToken {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: this.hashRefreshToken(token), expiresAt: new Date(nowMs + this.refreshTtlSeconds * 1000) };
  }

  /** The SHA-256 a refresh token is looked up by. */
  hashRefreshToken(token: string): Buffer {
    return createHash('sha256').update(token, 'utf8').digest();
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
