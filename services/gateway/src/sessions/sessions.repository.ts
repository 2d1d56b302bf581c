import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { offsetOf, orderBy } from '../common/pagination';
import type { NewRefreshToken } from '../auth/token.service';
import type { SessionListQuery, SessionSortField } from './sessions.dto';

/** What login needs of an account. */
export interface LoginAccount {
  id: string;
  email: string;
  passwordHash: string;
  isActive: boolean;
  emailVerifiedAt: Date | null;
  tokenVersion: number;
}

/** A new session: one login on one device. */
export interface NewSession {
  userId: string;
  deviceLabel: string;
  userAgent: string | null;
  ipHash: string;
  persistent: boolean;
  tokenVersion: number;
}

/** A refresh token with its session and account, as the rotation checks them (all row-locked). */
export interface RefreshTokenState {
  tokenId: string;
  sessionId: string;
  userId: string;
  email: string;
  persistent: boolean;
  used: boolean;
  tokenLive: boolean;
  sessionLive: boolean;
  versionMatches: boolean;
  userActive: boolean;
  tokenVersion: number;
}

/** A session as the list shows it. */
export interface SessionRow {
  id: string;
  deviceLabel: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  persistent: boolean;
}

/** Why a session ended, kept in `sessions.revoked_reason`. */
export type RevokedReason = 'logout' | 'logout-all' | 'logout-others' | 'revoked' | 'refresh-token-reused' | 'token-version-changed';

const SORT_COLUMNS: Record<SessionSortField, string> = { lastUsedAt: 's.last_used_at', createdAt: 's.created_at' };

/** An active session: not revoked, not expired, opened under the account's current token version. */
const ACTIVE = `s.revoked_at IS NULL AND s.expires_at > now() AND s.token_version = u.token_version`;

/** Sessions and their refresh-token chains. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async findLoginAccount(email: string): Promise<LoginAccount | undefined> {
    const rows: LoginAccount[] = await this.dataSource.query(
      `SELECT id, email, password_hash AS "passwordHash", is_active AS "isActive", email_verified_at AS "emailVerifiedAt", token_version AS "tokenVersion"
         FROM users WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  /** Stores a password hash made at the current cost, unless the password changed meanwhile. */
  async replacePasswordHash(manager: EntityManager, userId: string, previous: string, next: string): Promise<void> {
    await manager.query(`UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [userId, previous, next]);
  }

  /** Opens a session with its first refresh token and records the login; returns the session id. */
  async open(manager: EntityManager, session: NewSession, refresh: NewRefreshToken): Promise<string> {
    const id = uuidv7();
    await manager.query(
      `INSERT INTO sessions (id, user_id, device_label, user_agent, ip_hash, persistent, expires_at, token_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, session.userId, session.deviceLabel, session.userAgent, session.ipHash, session.persistent, refresh.expiresAt, session.tokenVersion],
    );
    await this.insertRefreshToken(manager, id, refresh);
    await manager.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [session.userId]);
    return id;
  }

  /** The refresh token with this hash, its session and account, locked until the transaction ends. */
  async lockRefreshToken(manager: EntityManager, hash: Buffer): Promise<RefreshTokenState | undefined> {
    const rows: RefreshTokenState[] = await manager.query(
      `SELECT rt.id AS "tokenId", s.id AS "sessionId", u.id AS "userId", u.email, s.persistent,
              rt.used_at IS NOT NULL AS used,
              rt.expires_at > now() AS "tokenLive",
              (s.revoked_at IS NULL AND s.expires_at > now()) AS "sessionLive",
              s.token_version = u.token_version AS "versionMatches",
              u.is_active AS "userActive", u.token_version AS "tokenVersion"
         FROM refresh_tokens rt
         JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = $1
          FOR UPDATE OF rt, s`,
      [hash],
    );
    return rows[0];
  }

  /**
   * Replaces every unused refresh token of the session by `next` (marking them used, pointing at
   * it) and renews the session: it now lives as long as `next` and belongs to `tokenVersion`.
   */
  async rotate(manager: EntityManager, sessionId: string, next: NewRefreshToken, tokenVersion: number): Promise<void> {
    const nextId = await this.insertRefreshToken(manager, sessionId, next);
    await manager.query(`UPDATE refresh_tokens SET used_at = now(), replaced_by = $2 WHERE session_id = $1 AND used_at IS NULL AND id <> $2`, [sessionId, nextId]);
    await manager.query(`UPDATE sessions SET last_used_at = now(), expires_at = $2, token_version = $3 WHERE id = $1`, [sessionId, next.expiresAt, tokenVersion]);
  }

  /** Revokes one session (a no-op when it is already revoked, keeping the first reason). */
  async revoke(manager: EntityManager, sessionId: string, reason: RevokedReason): Promise<void> {
    await manager.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`, [sessionId, reason]);
  }

  /** The session a refresh token (used or not) belongs to. */
  async sessionOfRefreshToken(hash: Buffer): Promise<string | undefined> {
    const rows: { sessionId: string }[] = await this.dataSource.query(`SELECT session_id AS "sessionId" FROM refresh_tokens WHERE token_hash = $1`, [hash]);
    return rows[0]?.sessionId;
  }

  /** Raises the account's token version (stopping every access token) and returns the new one. */
  async raiseTokenVersion(manager: EntityManager, userId: string): Promise<{ tokenVersion: number; email: string } | undefined> {
    const result: unknown = await manager.query(
      `UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING token_version AS "tokenVersion", email`,
      [userId],
    );
    return returnedRows<{ tokenVersion: number; email: string }>(result)[0];
  }

  /** Revokes every session of the user but `exceptSessionId`. */
  async revokeAllOf(manager: EntityManager, userId: string, reason: RevokedReason, exceptSessionId?: string): Promise<void> {
    await manager.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [userId, reason, exceptSessionId ?? null],
    );
  }

  /** The session if it is the user's and still open, locked until the transaction ends. */
  async lockOpenSession(manager: EntityManager, userId: string, sessionId: string): Promise<{ persistent: boolean } | undefined> {
    const rows: { persistent: boolean }[] = await manager.query(
      `SELECT persistent FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now() FOR UPDATE`,
      [sessionId, userId],
    );
    return rows[0];
  }

  /** A page of the user's active sessions. */
  async list(userId: string, query: SessionListQuery): Promise<{ rows: SessionRow[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT s.id, s.device_label AS "deviceLabel", s.user_agent AS "userAgent", s.created_at AS "createdAt", s.last_used_at AS "lastUsedAt",
                s.expires_at AS "expiresAt", s.persistent
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.user_id = $1 AND ${ACTIVE}
          ${orderBy(query.sort, SORT_COLUMNS, 's.id DESC')}
          LIMIT $2 OFFSET $3`,
        [userId, query.pageSize, offsetOf(query)],
      ) as Promise<SessionRow[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.user_id = $1 AND ${ACTIVE}`, [userId]) as Promise<
        { total: number }[]
      >,
    ]);
    return { rows, total: count[0]?.total ?? 0 };
  }

  /** Revokes one of the user's sessions; false when the user has no session with that id. */
  async revokeOwn(userId: string, sessionId: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE sessions SET revoked_at = COALESCE(revoked_at, now()), revoked_reason = COALESCE(revoked_reason, 'revoked')
        WHERE id = $1 AND user_id = $2 RETURNING id`,
      [sessionId, userId],
    );
    return returnedRows(result).length > 0;
  }

  private async insertRefreshToken(manager: EntityManager, sessionId: string, token: NewRefreshToken): Promise<string> {
    const id = uuidv7();
    await manager.query(`INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [id, sessionId, token.hash, token.expiresAt]);
    return id;
  }
}

/** The rows of an `UPDATE ... RETURNING`, which TypeORM's Postgres driver answers as `[rows, rowCount]`. */
function returnedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}
