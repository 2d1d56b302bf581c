import { randomBytes, scryptSync } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { expectProblem, gatewayTestEnv, httpClient, markVerified, registerAccount, signIn, startGateway, TEST_PASSWORD as PASSWORD, type Reply } from '../testing';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('sessions over HTTP', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  const client = httpClient(() => base);
  const { call } = client;

  /** The value of a cookie set by a reply. */
  function cookieValue(reply: Reply, name: string): string {
    const line = reply.setCookies[name];
    expect(line).toBeDefined();
    return decodeURIComponent(line!.slice(name.length + 1).split(';')[0]!);
  }

  const register = (email: string) => registerAccount(client, email);

  /** An account whose address is verified (the mail link flow is tested with identity). */
  async function verifiedAccount(email: string): Promise<string> {
    const id = await register(email);
    await markVerified(db, id);
    return id;
  }

  const login = (email: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => signIn(client, email, { body, headers });

  const recordings = (token: string) => call('GET', '/api/v1/recordings', { token });
  const refresh = (refreshToken: string) => call('POST', '/api/v1/auth/refresh', { json: { refreshToken } });

  beforeAll(async () => {
    world = await createServiceWorld('sessions', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'true' }));
    ({ db, base } = await startGateway(world));
  }, 300_000);

  afterAll(() => world?.close());

  it('refuses an unverified address after the password is right, and wrong passwords and unknown emails alike', async () => {
    const id = await register('Una@Example.org');
    expectProblem(await call('POST', '/api/v1/auth/login', { json: { email: 'una@example.org', password: PASSWORD } }), 403, 'AUTH.EMAIL_NOT_VERIFIED');

    const wrong = await call('POST', '/api/v1/auth/login', { json: { email: 'una@example.org', password: 'Wrong horse 1' } });
    const unknown = await call('POST', '/api/v1/auth/login', { json: { email: 'nobody@example.org', password: PASSWORD } });
    expectProblem(wrong, 401, 'AUTH.INVALID_CREDENTIALS');
    expectProblem(unknown, 401, 'AUTH.INVALID_CREDENTIALS');
    const { requestId: _a, instance: _b, ...wrongBody } = wrong.body;
    const { requestId: _c, instance: _d, ...unknownBody } = unknown.body;
    expect(wrongBody).toEqual(unknownBody);

    await db.query(`UPDATE users SET email_verified_at = now() WHERE id = $1`, [id]);
    const pair = await login('UNA@example.org');
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 30 * 24 * 3600 });
    expect(pair.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [lastLogin] = await db.query(`SELECT last_login_at FROM users WHERE id = $1`, [id]);
    expect(lastLogin.last_login_at).not.toBeNull();
  });

  it('signs in with bearer tokens that open private routes; the session records device and a hashed address', async () => {
    await verifiedAccount('bea@example.org');
    const pair = await login('bea@example.org', {}, { 'user-agent': 'curl/8.5.0' });
    const reply = await recordings(pair.accessToken);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ items: [], total: 0 });
    expectProblem(await call('GET', '/api/v1/recordings'), 401, 'AUTH.UNAUTHENTICATED');

    const [session] = await db.query(`SELECT device_label, user_agent, ip_hash, persistent FROM sessions WHERE id = $1`, [pair.sessionId]);
    expect(session).toMatchObject({ device_label: 'curl', user_agent: 'curl/8.5.0', persistent: false });
    expect(session.ip_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(session.ip_hash).not.toContain('127.0.0.1');
    const [stored] = await db.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1 AND token_hash = sha256(convert_to($2, 'UTF8'))`, [
      pair.sessionId,
      pair.refreshToken,
    ]);
    expect(stored.n).toBe(1);
  });

  it('rotates refresh tokens; an exchanged one coming back revokes the session, newer tokens included', async () => {
    await verifiedAccount('rot@example.org');
    const first = await login('rot@example.org');

    const rotated = await refresh(first.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const second = rotated.body;
    expect(second).toMatchObject({ tokenType: 'Bearer', sessionId: first.sessionId, expiresIn: 900 });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await recordings(second.accessToken)).status).toBe(200);

    expectProblem(await refresh(first.refreshToken), 401, 'AUTH.REFRESH_TOKEN_REUSED');
    const [session] = await db.query(`SELECT revoked_reason FROM sessions WHERE id = $1`, [first.sessionId]);
    expect(session.revoked_reason).toBe('refresh-token-reused');
    expectProblem(await refresh(second.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');
    expectProblem(await recordings(second.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await recordings(first.accessToken), 401, 'AUTH.UNAUTHENTICATED');

    expectProblem(await refresh('not-a-token-anyone-issued'), 401, 'AUTH.REFRESH_TOKEN_INVALID');
    expectProblem(await call('POST', '/api/v1/auth/refresh', { json: {} }), 401, 'AUTH.REFRESH_TOKEN_INVALID');
  });

  it('a raised token version stops the access and refresh tokens issued before it', async () => {
    const id = await verifiedAccount('tv@example.org');
    const pair = await login('tv@example.org');
    await db.query(`UPDATE users SET token_version = token_version + 1 WHERE id = $1`, [id]);
    expectProblem(await recordings(pair.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await refresh(pair.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');
    const [session] = await db.query(`SELECT revoked_reason FROM sessions WHERE id = $1`, [pair.sessionId]);
    expect(session.revoked_reason).toBe('token-version-changed');
    expect((await recordings((await login('tv@example.org')).accessToken)).status).toBe(200);
  });

  it('upgrades a legacy password hash to argon2id at login', async () => {
    const id = await verifiedAccount('legacy@example.org');
    const salt = randomBytes(16);
    const key = scryptSync(PASSWORD, salt, 64, { N: 1024, r: 8, p: 1 });
    await db.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [id, ['scrypt', 1024, 8, 1, salt.toString('base64'), key.toString('base64')].join('$')]);
    await login('legacy@example.org');
    const [user] = await db.query(`SELECT password_hash FROM users WHERE id = $1`, [id]);
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    await login('legacy@example.org');
  });

  it('lets only one of two simultaneous refreshes with the same token win', async () => {
    await verifiedAccount('race@example.org');
    const pair = await login('race@example.org');
    const replies = await Promise.all([refresh(pair.refreshToken), refresh(pair.refreshToken)]);
    const winner = replies.find((r) => r.status === 200);
    const loser = replies.find((r) => r.status !== 200);
    expect(winner).toBeDefined();
    expectProblem(loser!, 401, 'AUTH.REFRESH_TOKEN_REUSED');
    expectProblem(await recordings(winner!.body.accessToken), 401, 'AUTH.UNAUTHENTICATED');
  });

  it('refuses an expired refresh token', async () => {
    await verifiedAccount('exp@example.org');
    const pair = await login('exp@example.org');
    await db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id = $1`, [pair.sessionId]);
    expectProblem(await refresh(pair.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');
  });

  it('logs out by refresh token or by access token, always answering 204', async () => {
    await verifiedAccount('out@example.org');
    const byRefresh = await login('out@example.org');
    const out = await call('POST', '/api/v1/auth/logout', { json: { refreshToken: byRefresh.refreshToken } });
    expect(out.status).toBe(204);
    expect(Object.keys(out.setCookies).sort()).toEqual(['access_token', 'csrf_token', 'leap_persistent', 'refresh_token']);
    expect(out.setCookies.refresh_token).toContain('Max-Age=0');
    expectProblem(await recordings(byRefresh.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await refresh(byRefresh.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');

    const byAccess = await login('out@example.org');
    expect((await call('POST', '/api/v1/auth/logout', { token: byAccess.accessToken })).status).toBe(204);
    expectProblem(await recordings(byAccess.accessToken), 401, 'AUTH.UNAUTHENTICATED');

    expect((await call('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect((await call('POST', '/api/v1/auth/logout', { json: { refreshToken: 'nothing-like-it' } })).status).toBe(204);
  });

  it('logout-all stops the access and refresh tokens of every session at once', async () => {
    const id = await verifiedAccount('all@example.org');
    const laptop = await login('all@example.org');
    const phone = await login('all@example.org');
    expect((await recordings(phone.accessToken)).status).toBe(200);

    expect((await call('POST', '/api/v1/auth/logout-all', { token: laptop.accessToken })).status).toBe(204);
    expectProblem(await recordings(laptop.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await recordings(phone.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await refresh(phone.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');
    const [user] = await db.query(`SELECT token_version FROM users WHERE id = $1`, [id]);
    expect(user.token_version).toBe(1);

    const again = await login('all@example.org');
    expect((await recordings(again.accessToken)).status).toBe(200);
  });

  it('logout-others keeps the caller, with a fresh pair, and ends every other session', async () => {
    await verifiedAccount('others@example.org');
    const mine = await login('others@example.org');
    const other = await login('others@example.org');

    const reply = await call('POST', '/api/v1/auth/logout-others', { token: mine.accessToken });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ tokenType: 'Bearer', sessionId: mine.sessionId });
    const fresh = reply.body;
    expect((await recordings(fresh.accessToken)).status).toBe(200);
    expectProblem(await recordings(mine.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await recordings(other.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await refresh(other.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');

    const renewed = await refresh(fresh.refreshToken);
    expect(renewed.status).toBe(200);
    const list = await call('GET', '/api/v1/auth/sessions', { token: renewed.body.accessToken });
    expect(list.body.items.map((s: { id: string; current: boolean }) => [s.id, s.current])).toEqual([[mine.sessionId, true]]);
  });

  it('lists the active sessions with device labels, marks the current one, and revokes one at once', async () => {
    await verifiedAccount('list@example.org');
    const desk = await login('list@example.org', { rememberMe: true }, { 'user-agent': FIREFOX });
    const named = await login('list@example.org', { deviceLabel: 'Lab tablet' }, { 'user-agent': 'curl/8.5.0' });
    const cli = await login('list@example.org', {}, { 'user-agent': 'curl/8.5.0' });
    await db.query(`UPDATE sessions SET last_used_at = now() - interval '10 minutes' WHERE id = $1`, [named.sessionId]);
    await db.query(`UPDATE sessions SET last_used_at = now() - interval '20 minutes' WHERE id = $1`, [cli.sessionId]);

    const list = await call('GET', '/api/v1/auth/sessions', { token: desk.accessToken, headers: { 'user-agent': 'curl/8.5.0' } });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 20, total: 3, totalPages: 1 });
    expect(list.body.items.map((s: { deviceLabel: string }) => s.deviceLabel)).toEqual(['Firefox on Linux', 'Lab tablet', 'curl']);
    const [first] = list.body.items;
    expect(first).toEqual({
      id: desk.sessionId,
      deviceLabel: 'Firefox on Linux',
      userAgent: FIREFOX,
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      expiresAt: expect.any(String),
      persistent: true,
      current: true,
    });
    expect(list.body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    const byCreation = await call('GET', '/api/v1/auth/sessions?sort=createdAt&pageSize=2', { token: desk.accessToken });
    expect(byCreation.body).toMatchObject({ total: 3, totalPages: 2, pageSize: 2 });
    expect(byCreation.body.items.map((s: { id: string }) => s.id)).toEqual([desk.sessionId, named.sessionId]);
    expectProblem(await call('GET', '/api/v1/auth/sessions?sort=deviceLabel', { token: desk.accessToken }), 400, 'VALIDATION.FAILED');

    // Using a session records it, at most once a minute.
    expect((await recordings(cli.accessToken)).status).toBe(200);
    const [used] = await db.query(`SELECT now() - last_used_at < interval '5 seconds' AS fresh FROM sessions WHERE id = $1`, [cli.sessionId]);
    expect(used.fresh).toBe(true);

    expect((await call('DELETE', `/api/v1/auth/sessions/${cli.sessionId}`, { token: desk.accessToken })).status).toBe(204);
    expectProblem(await recordings(cli.accessToken), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await refresh(cli.refreshToken), 401, 'AUTH.REFRESH_TOKEN_INVALID');
    expect((await call('GET', '/api/v1/auth/sessions', { token: desk.accessToken })).body.total).toBe(2);

    // The current session may be revoked too.
    expect((await call('DELETE', `/api/v1/auth/sessions/${named.sessionId}`, { token: named.accessToken })).status).toBe(204);
    expectProblem(await recordings(named.accessToken), 401, 'AUTH.UNAUTHENTICATED');
  });

  it("answers 404 for another user's session and for ids that name none", async () => {
    await verifiedAccount('mallory@example.org');
    await verifiedAccount('victim@example.org');
    const mallory = await login('mallory@example.org');
    const victim = await login('victim@example.org');
    expectProblem(await call('DELETE', `/api/v1/auth/sessions/${victim.sessionId}`, { token: mallory.accessToken }), 404, 'SESSION.NOT_FOUND');
    expectProblem(await call('DELETE', '/api/v1/auth/sessions/01940000-0000-7000-8000-000000000000', { token: mallory.accessToken }), 404, 'SESSION.NOT_FOUND');
    expectProblem(await call('DELETE', '/api/v1/auth/sessions/not-a-uuid', { token: mallory.accessToken }), 404, 'SESSION.NOT_FOUND');
    expect((await recordings(victim.accessToken)).status).toBe(200);
  });

  it('refuses a deactivated account at login, on every request and at refresh', async () => {
    const id = await verifiedAccount('gone@example.org');
    const pair = await login('gone@example.org');
    await db.query(`UPDATE users SET is_active = false WHERE id = $1`, [id]);
    expectProblem(await call('POST', '/api/v1/auth/login', { json: { email: 'gone@example.org', password: PASSWORD } }), 403, 'AUTH.ACCOUNT_DISABLED');
    expectProblem(await recordings(pair.accessToken), 403, 'AUTH.ACCOUNT_DISABLED');
    expectProblem(await refresh(pair.refreshToken), 403, 'AUTH.ACCOUNT_DISABLED');
    expectProblem(await call('POST', '/api/v1/auth/login', { json: { email: 'gone@example.org', password: 'Wrong horse 1' } }), 401, 'AUTH.INVALID_CREDENTIALS');
  });

  describe('cookie mode', () => {
    it('sets HttpOnly session cookies and a readable CSRF token, never the tokens in the body', async () => {
      await verifiedAccount('cookie@example.org');
      const reply = await call('POST', '/api/v1/auth/login', { json: { email: 'cookie@example.org', password: PASSWORD, mode: 'cookie' } });
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body).sort()).toEqual(['csrfToken', 'expiresIn', 'refreshExpiresIn', 'sessionId', 'tokenType']);
      expect(reply.body.tokenType).toBe('Cookie');

      const { access_token: access, refresh_token: refreshLine, csrf_token: csrf, leap_persistent: persistent } = reply.setCookies;
      expect(access).toMatch(/^access_token=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(refreshLine).toMatch(/^refresh_token=[\w-]{43}; Path=\/api\/v1\/auth; HttpOnly; SameSite=Lax$/);
      expect(csrf).toBe(`csrf_token=${reply.body.csrfToken}; Path=/; SameSite=Lax`);
      expect(persistent).toContain('Max-Age=0');
      for (const line of [access, refreshLine, csrf]) expect(line).not.toMatch(/Max-Age|Expires|Secure/);
    });

    it('remember me gives the cookies a Max-Age and sets leap_persistent', async () => {
      await verifiedAccount('remember@example.org');
      const reply = await call('POST', '/api/v1/auth/login', { json: { email: 'remember@example.org', password: PASSWORD, mode: 'cookie', rememberMe: true } });
      expect(reply.setCookies.access_token).toContain('Max-Age=900');
      expect(reply.setCookies.refresh_token).toContain(`Max-Age=${30 * 24 * 3600}`);
      expect(reply.setCookies.csrf_token).toContain(`Max-Age=${30 * 24 * 3600}`);
      expect(reply.setCookies.leap_persistent).toBe(`leap_persistent=1; Path=/; Max-Age=${30 * 24 * 3600}; SameSite=Lax`);
      expect(reply.setCookies.access_token).toContain('HttpOnly');
    });

    it('authenticates by cookie; state changes need X-CSRF-Token, refresh included', async () => {
      await verifiedAccount('jar@example.org');
      const other = await login('jar@example.org');
      const reply = await call('POST', '/api/v1/auth/login', { json: { email: 'jar@example.org', password: PASSWORD, mode: 'cookie' } });
      const jar = {
        access_token: cookieValue(reply, 'access_token'),
        refresh_token: cookieValue(reply, 'refresh_token'),
        csrf_token: cookieValue(reply, 'csrf_token'),
      };
      const csrfHeader = { 'x-csrf-token': jar.csrf_token };

      const list = await call('GET', '/api/v1/auth/sessions', { cookies: jar });
      expect(list.status).toBe(200);
      expect(list.body.items.find((s: { current: boolean }) => s.current).id).toBe(reply.body.sessionId);
      expect((await call('GET', '/api/v1/recordings', { cookies: jar })).status).toBe(200);

      const target = `/api/v1/auth/sessions/${other.sessionId}`;
      expectProblem(await call('DELETE', target, { cookies: jar }), 403, 'AUTH.CSRF_FAILED');
      expectProblem(await call('DELETE', target, { cookies: jar, headers: { 'x-csrf-token': 'a-guess' } }), 403, 'AUTH.CSRF_FAILED');
      expect((await recordings(other.accessToken)).status).toBe(200);
      expect((await call('DELETE', target, { cookies: jar, headers: csrfHeader })).status).toBe(204);
      expectProblem(await recordings(other.accessToken), 401, 'AUTH.UNAUTHENTICATED');

      const refreshJar = { refresh_token: jar.refresh_token, csrf_token: jar.csrf_token };
      expectProblem(await call('POST', '/api/v1/auth/refresh', { cookies: refreshJar }), 403, 'AUTH.CSRF_FAILED');
      const renewed = await call('POST', '/api/v1/auth/refresh', { cookies: refreshJar, headers: csrfHeader });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toEqual({ tokenType: 'Cookie', expiresIn: 900, refreshExpiresIn: 30 * 24 * 3600, sessionId: reply.body.sessionId, csrfToken: jar.csrf_token });
      const next = { access_token: cookieValue(renewed, 'access_token'), refresh_token: cookieValue(renewed, 'refresh_token'), csrf_token: jar.csrf_token };
      expect(next.refresh_token).not.toBe(jar.refresh_token);
      expect((await call('GET', '/api/v1/recordings', { cookies: next })).status).toBe(200);

      const others = await call('POST', '/api/v1/auth/logout-others', { cookies: next, headers: csrfHeader });
      expect(others.status).toBe(200);
      expect(others.body).toMatchObject({ tokenType: 'Cookie', sessionId: reply.body.sessionId });
      expect(others.body.accessToken).toBeUndefined();
      const afterOthers = { ...next, access_token: cookieValue(others, 'access_token'), refresh_token: cookieValue(others, 'refresh_token') };

      expectProblem(await call('POST', '/api/v1/auth/logout-all', { cookies: afterOthers }), 403, 'AUTH.CSRF_FAILED');
      const out = await call('POST', '/api/v1/auth/logout', { cookies: { refresh_token: afterOthers.refresh_token } });
      expect(out.status).toBe(204);
      expect(out.setCookies.access_token).toMatch(/^access_token=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970/);
      expectProblem(await call('GET', '/api/v1/recordings', { cookies: afterOthers }), 401, 'AUTH.UNAUTHENTICATED');
    });
  });
});
