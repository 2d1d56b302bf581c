import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import type { OAuthPurpose } from './oauth-platforms';

/** A state the callback accepted: whose connect it is, what for, and what the code exchange needs. */
export interface ConsumedState {
  userId: string;
  /** What the account is connected as (an input's or an output's credential): signed into the state. */
  purpose: OAuthPurpose;
  redirectUri: string;
  codeVerifier: string | null;
}

export const stateInvalid = (why: string) =>
  new LeapError('OAUTH.STATE_INVALID', `The OAuth state is not valid (${why}); start the connect again`, { status: 400 });

/**
 * OAuth states: `<nonce>.<signature>`, the signature an HMAC of the nonce, the platform and the
 * purpose the connect was started for, so a forged or altered state is refused before the database
 * is asked, and the callback learns the purpose from the signature (no one can turn an input's
 * connect into an output's). Each is a row (its user, the
 * redirect URI, the PKCE verifier) that expires after `OAUTH_STATE_TTL` and is used at most once:
 * the callback marks it used in the same statement that reads it.
 */
@Injectable()
export class OAuthStates {
  private readonly key: Buffer;

  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'OAUTH_STATE_SECRET' | 'JWT_SECRET' | 'OAUTH_STATE_TTL'>,
  ) {
    this.key = config.OAUTH_STATE_SECRET ? Buffer.from(config.OAUTH_STATE_SECRET, 'utf8') : createHmac('sha256', config.JWT_SECRET).update('leap:oauth-states').digest();
  }

  /** A new state for this user's connect, with a PKCE verifier and its S256 challenge when asked for. */
  async issue(userId: string, platform: string, purpose: OAuthPurpose, redirectUri: string, pkce: boolean): Promise<{ state: string; expiresAt: Date; codeChallenge?: string }> {
    const nonce = randomBytes(24).toString('base64url');
    const codeVerifier = pkce ? randomBytes(48).toString('base64url') : null;
    const expiresAt = new Date(Date.now() + this.config.OAUTH_STATE_TTL);
    await this.db.query(`INSERT INTO oauth_states (nonce, user_id, platform, redirect_uri, code_verifier, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      nonce,
      userId,
      platform,
      redirectUri,
      codeVerifier,
      expiresAt,
    ]);
    return {
      state: `${nonce}.${this.sign(nonce, platform, purpose)}`,
      expiresAt,
      ...(codeVerifier ? { codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url') } : {}),
    };
  }

  /** The state's connect, used up; a forged, unknown, expired or already used state is 400 `OAUTH.STATE_INVALID`. */
  async consume(state: string | undefined, platform: string, purposes: readonly OAuthPurpose[]): Promise<ConsumedState> {
    const [nonce, signature, extra] = (state ?? '').split('.');
    if (!nonce || !signature || extra !== undefined) throw stateInvalid('it is missing or malformed');
    const given = Buffer.from(signature);
    const purpose = purposes.find((p) => {
      const expected = Buffer.from(this.sign(nonce, platform, p));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!purpose) throw stateInvalid('its signature does not match');
    const result: unknown = await this.db.query(
      `WITH s AS (SELECT nonce, used_at IS NOT NULL AS was_used, expires_at <= now() AS expired FROM oauth_states WHERE nonce = $1 AND platform = $2 FOR UPDATE)
       UPDATE oauth_states o SET used_at = COALESCE(o.used_at, now()) FROM s WHERE o.nonce = s.nonce
       RETURNING o.user_id, o.redirect_uri, o.code_verifier, s.expired, s.was_used`,
      [nonce, platform],
    );
    // An UPDATE … RETURNING answers [rows, count].
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Array<{ user_id: string; redirect_uri: string; code_verifier: string | null; expired: boolean; was_used: boolean }>;
    const row = rows[0];
    if (!row) throw stateInvalid('it is unknown');
    if (row.was_used) throw stateInvalid('it was used already');
    if (row.expired) throw stateInvalid('it expired');
    return { userId: row.user_id, purpose, redirectUri: row.redirect_uri, codeVerifier: row.code_verifier };
  }

  private sign(nonce: string, platform: string, purpose: OAuthPurpose): string {
    return createHmac('sha256', this.key).update(`oauth-state:${platform}:${purpose}:${nonce}`).digest('base64url');
  }
}
