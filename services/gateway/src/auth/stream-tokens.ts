import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';

/** What a stream token says: whose, which session minted it, the token version then, when it ends. */
export interface StreamTokenClaims {
  sub: string;
  sid: string;
  tv: number;
  jti: string;
  exp: number;
}

const FORMAT = /^st1\.([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/;

/**
 * Short-lived tokens that open an event stream from a browser, where `EventSource` cannot send an
 * Authorization header: `st1.<claims>.<HMAC-SHA256>`, signed with a key derived from JWT_SECRET
 * for this purpose alone, so an access token is never one and a stream token opens nothing else.
 */
@Injectable()
export class StreamTokens {
  private readonly key: Buffer;
  readonly ttlSeconds: number;

  constructor(@Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'JWT_SECRET' | 'EVENTS_STREAM_TOKEN_TTL'>) {
    this.key = createHmac('sha256', config.JWT_SECRET).update('leap:stream-tokens').digest();
    this.ttlSeconds = Math.max(1, Math.floor(config.EVENTS_STREAM_TOKEN_TTL / 1000));
  }

  issue(subject: { userId: string; sessionId: string; tokenVersion: number }, nowMs = Date.now()): { token: string; claims: StreamTokenClaims } {
    const claims: StreamTokenClaims = { sub: subject.userId, sid: subject.sessionId, tv: subject.tokenVersion, jti: uuidv7(), exp: Math.floor(nowMs / 1000) + this.ttlSeconds };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `st1.${body}.${this.mac(body)}`, claims };
  }

  /** The claims of a token this gateway signed that has not expired; undefined otherwise. */
  verify(token: string, nowMs = Date.now()): StreamTokenClaims | undefined {
    const match = FORMAT.exec(token);
    if (!match) return undefined;
    const [, body, signature] = match;
    if (!timingSafeEqual(Buffer.from(this.mac(body!)), Buffer.from(signature!))) return undefined;
    let claims: StreamTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as StreamTokenClaims;
    } catch {
      return undefined;
    }
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.tv !== 'number' || typeof claims.exp !== 'number') return undefined;
    return nowMs < claims.exp * 1000 ? claims : undefined;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
