import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, signIn, startGateway, verifiedUser, type TokenPair } from '../testing';
import { AUTH_SWEEP_LOCK_KEY, AuthSweep } from './auth-sweep.service';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** AUTH_SWEEP_RETENTION of these tests (the default). */
const RETENTION = 7 * DAY;

describe('the auth sweep', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let sweeper: AuthSweep;
  const client = httpClient(() => base);
  const refresh = (refreshToken: string) => client.call('POST', '/api/v1/auth/refresh', { json: { refreshToken } });

  /** An instant `offsetMs` from now (negative: in the past). */
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs);
  /** Just past the retention edge, and just inside it. */
  const longEnded = () => at(-RETENTION - HOUR);
  const recentlyEnded = () => at(-RETENTION + HOUR);

  const ids = async (sql: string, params: unknown[] = []): Promise<string[]> => ((await db.query(sql, params)) as { id: string }[]).map((row) => row.id).sort();

  async function insertAuthToken(userId: string, row: { expiresAt: Date; usedAt?: Date }): Promise<string> {
    const id = randomUUID();
    await db.query(`INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at, used_at) VALUES ($1, $2, 'reset-password', $3, $4, $5)`, [
      id,
      userId,
      randomBytes(32),
      row.expiresAt,
      row.usedAt ?? null,
    ]);
    return id;
  }

  async function insertSession(userId: string, row: { expiresAt: Date; revokedAt?: Date }): Promise<string> {
    const id = randomUUID();
    await db.query(`INSERT INTO sessions (id, user_id, expires_at, revoked_at, revoked_reason) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      userId,
      row.expiresAt,
      row.revokedAt ?? null,
      row.revokedAt ? 'logout' : null,
    ]);
    return id;
  }

  async function insertRefreshToken(sessionId: string, usedAt?: Date): Promise<string> {
    const id = randomUUID();
    await db.query(`INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      sessionId,
      randomBytes(32),
      at(20 * DAY),
      usedAt ?? null,
    ]);
    return id;
  }

  async function insertMailThrottle(lastSentAt: Date): Promise<string> {
    const hash = randomBytes(32);
    await db.query(`INSERT INTO mail_throttle (address_hash, purpose, last_sent_at) VALUES ($1, 'verify-email', $2)`, [hash, lastSentAt]);
    return hash.toString('hex');
  }

  async function insertIdempotencyKey(key: string, expiresAt: Date): Promise<void> {
    await db.query(`INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, expires_at) VALUES ('sweep-tests', $1, 'POST', '/things', 'f', $2)`, [key, expiresAt]);
  }

  const idempotencyKeys = async (): Promise<string[]> =>
    ((await db.query(`SELECT key FROM idempotency_keys WHERE scope = 'sweep-tests' ORDER BY key`)) as { key: string }[]).map((row) => row.key);

  /** Whether some session of this database holds the sweep's advisory lock (a 64-bit key is split over classid and objid). */
  const sweepLockHeld = async (): Promise<boolean> => {
    const rows = (await db.query(
      `SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
      [AUTH_SWEEP_LOCK_KEY],
    )) as unknown[];
    return rows.length > 0;
  };

  beforeAll(async () => {
    world = await createServiceWorld('auth-sweep', gatewayTestEnv({ AUTH_SWEEP_INTERVAL: '0s' }));
    const gateway = await startGateway(world);
    ({ db, base } = gateway);
    sweeper = gateway.app.get(AuthSweep);
  }, 300_000);

  afterAll(() => world?.close());

  it('deletes exactly the rows that ended longer ago than the retention, and live users keep working', async () => {
    const alice = await verifiedUser(client, db, 'alice@example.org');
    const pair = await signIn(client, 'alice@example.org');
    const rotated: TokenPair = (await refresh(pair.refreshToken)).body;
    expect(rotated.sessionId).toBe(pair.sessionId);

    const tokens = {
      expiredLongAgo: await insertAuthToken(alice.id, { expiresAt: longEnded() }),
      expiredRecently: await insertAuthToken(alice.id, { expiresAt: recentlyEnded() }),
      usedLongAgoAndExpired: await insertAuthToken(alice.id, { usedAt: at(-8 * DAY), expiresAt: recentlyEnded() }),
      usedRecently: await insertAuthToken(alice.id, { usedAt: recentlyEnded(), expiresAt: at(-6 * DAY) }),
      usedLongAgoStillValid: await insertAuthToken(alice.id, { usedAt: at(-8 * DAY), expiresAt: at(HOUR) }),
    };
    const throttles = { old: await insertMailThrottle(at(-DAY - HOUR)), recent: await insertMailThrottle(at(-DAY + HOUR)) };
    const sessions = {
      revokedLongAgo: await insertSession(alice.id, { expiresAt: at(20 * DAY), revokedAt: longEnded() }),
      revokedRecently: await insertSession(alice.id, { expiresAt: at(20 * DAY), revokedAt: recentlyEnded() }),
      expiredLongAgo: await insertSession(alice.id, { expiresAt: longEnded() }),
      expiredRecently: await insertSession(alice.id, { expiresAt: recentlyEnded() }),
    };
    const refreshTokens = {
      ofLongRevoked: await insertRefreshToken(sessions.revokedLongAgo),
      ofRecentlyRevoked: await insertRefreshToken(sessions.revokedRecently, recentlyEnded()),
      liveUsedLongAgo: await insertRefreshToken(rotated.sessionId, longEnded()),
      liveUsedRecently: await insertRefreshToken(rotated.sessionId, recentlyEnded()),
    };
    await insertIdempotencyKey('expired', at(-1000));
    await insertIdempotencyKey('live', at(HOUR));
    // OAuth connects: one whose state expired (used or not, it can no longer be), one still open.
    for (const [nonce, expiresAt] of [['sweep-expired', at(-1000)], ['sweep-open', at(HOUR)]] as const) {
      await db.query(`INSERT INTO oauth_states (nonce, user_id, platform, redirect_uri, expires_at) VALUES ($1, $2, 'youtube', 'http://x/cb', $3)`, [nonce, alice.id, expiresAt]);
    }
    // The tokens logins and the refresh made: one of the first session, two of the rotated one.
    const liveChain = await ids(`SELECT id FROM refresh_tokens WHERE session_id IN ($1, $2) AND id <> ALL($3::uuid[])`, [
      alice.sessionId,
      rotated.sessionId,
      [refreshTokens.liveUsedLongAgo, refreshTokens.liveUsedRecently],
    ]);
    expect(liveChain).toHaveLength(3);

    expect(await sweeper.sweep()).toEqual({
      swept: true,
      deleted: { auth_tokens: 2, mail_throttle: 1, refresh_tokens: 1, sessions: 2, idempotency_keys: 1, oauth_states: 1 },
    });
    expect(((await db.query(`SELECT nonce FROM oauth_states WHERE nonce LIKE 'sweep-%'`)) as { nonce: string }[]).map((row) => row.nonce)).toEqual(['sweep-open']);

    expect(await ids(`SELECT id FROM auth_tokens WHERE purpose = 'reset-password'`)).toEqual(
      [tokens.expiredRecently, tokens.usedRecently, tokens.usedLongAgoStillValid].sort(),
    );
    // The registration's verification link is neither used nor expired.
    expect(await ids(`SELECT id FROM auth_tokens WHERE purpose = 'verify-email'`)).toHaveLength(1);
    expect(((await db.query(`SELECT encode(address_hash, 'hex') AS id FROM mail_throttle`)) as { id: string }[]).map((row) => row.id)).toEqual([throttles.recent]);
    expect(await ids(`SELECT id FROM sessions`)).toEqual([sessions.revokedRecently, sessions.expiredRecently, alice.sessionId, rotated.sessionId].sort());
    expect(await ids(`SELECT id FROM refresh_tokens`)).toEqual([refreshTokens.ofRecentlyRevoked, refreshTokens.liveUsedRecently, ...liveChain].sort());
    expect(await idempotencyKeys()).toEqual(['live']);

    // Nothing is left to delete; the live sessions still refresh, and the user still signs in.
    expect(await sweeper.sweep()).toEqual({ swept: true, deleted: { auth_tokens: 0, mail_throttle: 0, refresh_tokens: 0, sessions: 0, idempotency_keys: 0, oauth_states: 0 } });
    const next = await refresh(rotated.refreshToken);
    expect(next.status).toBe(200);
    expect(next.body.sessionId).toBe(rotated.sessionId);
    expect((await client.call('GET', '/api/v1/users/me', { token: next.body.accessToken })).status).toBe(200);
    expect((await signIn(client, 'alice@example.org')).accessToken).toEqual(expect.any(String));
  });

  it('keeps reuse detection for tokens exchanged within the retention; older ones answer as unknown tokens', async () => {
    await verifiedUser(client, db, 'bob@example.org');
    const bob = await signIn(client, 'bob@example.org');
    const bobNext: TokenPair = (await refresh(bob.refreshToken)).body;
    await verifiedUser(client, db, 'carol@example.org');
    const carol = await signIn(client, 'carol@example.org');
    expect((await refresh(carol.refreshToken)).status).toBe(200);

    // Bob exchanged his first token longer ago than the retention; Carol just now.
    await db.query(
      `UPDATE refresh_tokens SET used_at = $2 WHERE session_id = $1 AND used_at IS NOT NULL`,
      [bob.sessionId, longEnded()],
    );
    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({ swept: true, deleted: { refresh_tokens: 1 } });

    // The forgotten token is unknown now: 401 INVALID, and Bob's session is left alone.
    expectProblem(await refresh(bob.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');
    expect((await refresh(bobNext.refreshToken)).status).toBe(200);
    // Carol's is still recognised as reused, which ends her session.
    expectProblem(await refresh(carol.refreshToken), 401, 'AUTH.REFRESH_TOKEN_REUSED');
    const [session] = await db.query(`SELECT revoked_reason AS reason FROM sessions WHERE id = $1`, [carol.sessionId]);
    expect(session.reason).toBe('refresh-token-reused');
  });

  it('deletes a large backlog in batches', async () => {
    await db.query(
      `INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, expires_at)
       SELECT 'sweep-tests', 'backlog-' || n, 'POST', '/things', 'f', now() - interval '1 hour' FROM generate_series(1, 2500) AS n`,
    );
    const outcome = await sweeper.sweep();
    expect(outcome).toMatchObject({ swept: true, deleted: { idempotency_keys: 2500 } });
    expect(await idempotencyKeys()).toEqual(['live']);
  });

  it('lets one sweep run at a time: a sweep that finds the lock taken skips its round', async () => {
    await insertIdempotencyKey('held-back', at(-1000));
    const holder = db.createQueryRunner();
    try {
      await holder.query(`SELECT pg_advisory_lock($1::bigint)`, [AUTH_SWEEP_LOCK_KEY]);
      expect(await sweeper.sweep()).toEqual({ swept: false });
      expect(await idempotencyKeys()).toContain('held-back');
    } finally {
      await holder.query(`SELECT pg_advisory_unlock($1::bigint)`, [AUTH_SWEEP_LOCK_KEY]);
      await holder.release();
    }
    expect(await sweeper.sweep()).toMatchObject({ swept: true, deleted: { idempotency_keys: 1 } });

    // A second sweep while the first is still at work: the first one is held inside its batches
    // (another transaction holds the idempotency table, which its DELETE then waits for) with the
    // advisory lock taken, so the second finds the lock taken whatever the machine's speed.
    await db.query(
      `INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, expires_at)
       SELECT 'sweep-tests', 'parallel-' || n, 'POST', '/things', 'f', now() - interval '1 hour' FROM generate_series(1, 5000) AS n`,
    );
    const blocker = db.createQueryRunner();
    let first: Promise<unknown> | undefined;
    try {
      await blocker.startTransaction();
      await blocker.query(`LOCK TABLE idempotency_keys IN EXCLUSIVE MODE`);
      first = sweeper.sweep();
      await eventually(async () => expect(await sweepLockHeld()).toBe(true));
      expect(await sweeper.sweep()).toEqual({ swept: false });
      expect(await idempotencyKeys()).toHaveLength(5001);
    } finally {
      await blocker.commitTransaction();
      await blocker.release();
    }
    expect(await first).toMatchObject({ swept: true, deleted: { idempotency_keys: 5000 } });
    expect(await idempotencyKeys()).toEqual(['live']);
    // The lock was given back: the next sweep runs.
    expect(await sweeper.sweep()).toMatchObject({ swept: true });
  });

  it('runs on its own every AUTH_SWEEP_INTERVAL, and not at all with 0s', async () => {
    await insertIdempotencyKey('timer', at(-1000));
    expect(sweeper.scheduled).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await idempotencyKeys()).toContain('timer');

    const second = await startGateway(world, { env: { AUTH_SWEEP_INTERVAL: '200ms' } });
    expect(second.app.get(AuthSweep).scheduled).toBe(true);
    await eventually(async () => expect(await idempotencyKeys()).toEqual(['live']));
    // Rows that end later are taken by a later round.
    await insertIdempotencyKey('timer-again', at(-1000));
    await eventually(async () => expect(await idempotencyKeys()).toEqual(['live']));
    await second.service.close();
  });
});
