import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import type { Principal } from '../access/principal';
import { accountDisabled, emailNotVerified, sessionRequired } from '../access/problems';
import { PasswordHasher } from '../auth/password-hasher.service';
import { TokenService } from '../auth/token.service';
import { pageOf, type Page } from '../common/pagination';
import { chooseDeviceLabel } from './device-label';
import { invalidCredentials, refreshTokenInvalid, refreshTokenReused, sessionNotFound } from './problems';
import type { LoginDto, SessionListQuery, SessionView } from './sessions.dto';
import { SessionsRepository } from './sessions.repository';
import { isUuid } from '../common/validation';

/** A fresh access and refresh token for one session. */
export interface IssuedPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Seconds until the refresh token expires. */
  refreshExpiresIn: number;
  sessionId: string;
  /** Opened with remember me. */
  persistent: boolean;
}

/** Where a login comes from. */
export interface LoginClient {
  userAgent: string | undefined;
  address: string;
}

type SessionsConfig = Pick<GatewayConfig, 'JWT_SECRET' | 'AUTH_REQUIRE_VERIFIED_EMAIL'>;

type RefreshOutcome = { kind: 'issued'; pair: IssuedPair } | { kind: 'reused' } | { kind: 'invalid' } | { kind: 'disabled' };


/**
 * Login and the sessions it opens. A session is one login on one device; it holds a chain of
 * refresh tokens, each exchanged exactly once for the next. Presenting one that was already
 * exchanged means two parties hold the chain, so the whole session is revoked.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    @Inject(SERVICE_CONFIG) private readonly config: SessionsConfig,
  ) {}

  async login(input: LoginDto, client: LoginClient): Promise<IssuedPair> {
    const account = await this.sessions.findLoginAccount(input.email);
    // Verify against a dummy hash when there is no such user, so timing does not reveal accounts.
    const ok = await this.hasher.verify(input.password, account?.passwordHash ?? (await this.hasher.dummyHash()));
    if (!account || !ok) throw invalidCredentials();
    if (!account.isActive) throw accountDisabled();
    if (this.config.AUTH_REQUIRE_VERIFIED_EMAIL && !account.emailVerifiedAt) throw emailNotVerified();
    const upgradedHash = this.hasher.needsRehash(account.passwordHash) ? await this.hasher.hash(input.password) : undefined;

    const refresh = this.tokens.newRefreshToken();
    const sessionId = await this.sessions.transaction(async (manager) => {
      if (upgradedHash) await this.sessions.replacePasswordHash(manager, account.id, account.passwordHash, upgradedHash);
      return this.sessions.open(
        manager,
        {
          userId: account.id,
          deviceLabel: chooseDeviceLabel(input.deviceLabel, client.userAgent),
          userAgent: client.userAgent?.slice(0, 512) ?? null,
          ipHash: this.ipHash(client.address),
          persistent: input.rememberMe,
          tokenVersion: account.tokenVersion,
        },
        refresh,
      );
    });
    return this.pair({ userId: account.id, email: account.email, sessionId, tokenVersion: account.tokenVersion, persistent: input.rememberMe }, refresh.token);
  }

  /** Exchanges a refresh token for a new pair; a token exchanged before revokes its session. */
  async refresh(refreshToken: string): Promise<IssuedPair> {
    const hash = this.tokens.hashRefreshToken(refreshToken);
    const outcome = await this.sessions.transaction(async (manager): Promise<RefreshOutcome> => {
      const state = await this.sessions.lockRefreshToken(manager, hash);
      if (!state) return { kind: 'invalid' };
      if (state.used) {
        await this.sessions.revoke(manager, state.sessionId, 'refresh-token-reused');
        return { kind: 'reused' };
      }
      if (!state.tokenLive || !state.sessionLive) return { kind: 'invalid' };
      if (!state.versionMatches) {
        await this.sessions.revoke(manager, state.sessionId, 'token-version-changed');
        return { kind: 'invalid' };
      }
      if (!state.userActive) return { kind: 'disabled' };
      const pair = await this.renew(manager, { ...state });
      return { kind: 'issued', pair };
    });
    // Thrown after the commit: the revocation of a reused token's session must stay.
    if (outcome.kind === 'reused') throw refreshTokenReused();
    if (outcome.kind === 'invalid') throw refreshTokenInvalid();
    if (outcome.kind === 'disabled') throw accountDisabled();
    return outcome.pair;
  }

  /** The session a refresh token belongs to (used or not), for the CSRF check of a cookie refresh. */
  sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
    return this.sessions.sessionOfRefreshToken(this.tokens.hashRefreshToken(refreshToken));
  }

  /** Revokes the session of the refresh token, else of the caller's access token; nothing to revoke is fine. */
  async logout(refreshToken: string | undefined, caller: Principal | undefined): Promise<void> {
    const sessionId = refreshToken
      ? await this.sessions.sessionOfRefreshToken(this.tokens.hashRefreshToken(refreshToken))
      : caller?.credential.kind === 'access-token'
        ? caller.credential.sessionId
        : undefined;
    if (sessionId) await this.sessions.transaction((manager) => this.sessions.revoke(manager, sessionId, 'logout'));
  }

  /** Signs the user out everywhere: the token version goes up and every session is revoked. */
  async logoutAll(userId: string): Promise<void> {
    await this.sessions.transaction(async (manager) => {
      await this.sessions.raiseTokenVersion(manager, userId);
      await this.sessions.revokeAllOf(manager, userId, 'logout-all');
    });
  }

  /** Signs the user out everywhere else and gives the caller's session a fresh pair under the new token version. */
  async logoutOthers(caller: Principal): Promise<IssuedPair> {
    const credential = caller.credential;
    if (credential.kind !== 'access-token') throw sessionRequired();
    const pair = await this.sessions.transaction(async (manager) => {
      const current = await this.sessions.lockOpenSession(manager, caller.userId, credential.sessionId);
      if (!current) return undefined;
      const raised = await this.sessions.raiseTokenVersion(manager, caller.userId);
      if (!raised) return undefined;
      await this.sessions.revokeAllOf(manager, caller.userId, 'logout-others', credential.sessionId);
      return this.renew(manager, { sessionId: credential.sessionId, userId: caller.userId, email: raised.email, tokenVersion: raised.tokenVersion, persistent: current.persistent });
    });
    if (!pair) throw refreshTokenInvalid('The current session has ended; sign in again');
    return pair;
  }

  /** The user's active sessions, the caller's own marked `current`. */
  async list(caller: Principal, query: SessionListQuery): Promise<Page<SessionView>> {
    const currentId = caller.credential.kind === 'access-token' ? caller.credential.sessionId : undefined;
    const { rows, total } = await this.sessions.list(caller.userId, query);
    const items = rows.map((row) => ({
      id: row.id,
      deviceLabel: row.deviceLabel,
      userAgent: row.userAgent,
      createdAt: new Date(row.createdAt).toISOString(),
      lastUsedAt: new Date(row.lastUsedAt).toISOString(),
      expiresAt: new Date(row.expiresAt).toISOString(),
      persistent: row.persistent,
      current: row.id === currentId,
    }));
    return pageOf(items, query, total);
  }

  /** Revokes one of the caller's sessions (the current one too); 404 for anyone else's or an unknown id. */
  async revoke(caller: Principal, sessionId: string): Promise<void> {
    if (!isUuid(sessionId) || !(await this.sessions.revokeOwn(caller.userId, sessionId))) throw sessionNotFound();
  }

  /** Rotates the session's refresh tokens to a new one and issues the access token to go with it. */
  private async renew(
    manager: EntityManager,
    session: { sessionId: string; userId: string; email: string; tokenVersion: number; persistent: boolean },
  ): Promise<IssuedPair> {
    const next = this.tokens.newRefreshToken();
    await this.sessions.rotate(manager, session.sessionId, next, session.tokenVersion);
    return this.pair(session, next.token);
  }

  private pair(session: { userId: string; email: string; sessionId: string; tokenVersion: number; persistent: boolean }, refreshToken: string): IssuedPair {
    const access = this.tokens.issueAccess(session);
    return {
      accessToken: access.accessToken,
      refreshToken,
      expiresIn: access.expiresIn,
      refreshExpiresIn: this.tokens.refreshTtlSeconds,
      sessionId: session.sessionId,
      persistent: session.persistent,
    };
  }

  /** The client address, peppered with the server secret: sessions can be told apart without storing addresses. */
  private ipHash(address: string): string {
    return createHmac('sha256', this.config.JWT_SECRET).update(address).digest('hex');
  }
}
