import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';

/** What a one-time link is for (the `purpose` of `auth_tokens`). */
export type TokenPurpose = 'verify-email' | 'reset-password';

/** The SHA-256 of a token: only this is stored, so a database leak gives no usable link. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** One-time tokens of mail links (`auth_tokens`): 32 random bytes, base64url, stored hashed, with an expiry. */
@Injectable()
export class OneTimeTokens {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A new token for `userId` and `purpose`, valid `ttlMs`, in `manager`'s transaction. Older
   * unused tokens of the same purpose stop working: only the latest mail's link counts.
   */
  async issue(manager: EntityManager, userId: string, purpose: TokenPurpose, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.query(`DELETE FROM auth_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [userId, purpose]);
    await manager.query(
      `INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [uuidv7(), userId, purpose, tokenHash(token), ttlMs / 1000],
    );
    return token;
  }

  /** True while the token is unused and unexpired (a cheap check before costly work). */
  async isLive(token: string, purpose: TokenPurpose): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM auth_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [tokenHash(token), purpose],
    );
    return rows.length > 0;
  }

  /**
   * Uses a live token in `manager`'s transaction and returns its user, or undefined when it is
   * unknown, expired or used; the user's other unused tokens of the purpose stop working too.
   */
  async consume(manager: EntityManager, token: string, purpose: TokenPurpose): Promise<string | undefined> {
    const used: { userId: string }[] = await manager.query(
      // A SELECT around the UPDATE, so the driver answers rows (for a bare UPDATE it answers [rows, count]).
      `WITH used AS (
         UPDATE auth_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id
       ) SELECT user_id AS "userId" FROM used`,
      [tokenHash(token), purpose],
    );
    const userId = used[0]?.userId;
    if (userId) await manager.query(`UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [userId, purpose]);
    return userId;
  }
}
