import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { freePort, startMailCatcher, type CaughtMail, type MailCatcher } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, TEST_PASSWORD as PASSWORD, verifiedUserByMail, type Account, type Reply } from '../testing';

describe('accounts over HTTP: registration, verification, password reset, profile', () => {
  let world: ServiceWorld;
  let mail: MailCatcher;
  let db: DataSource;
  let base: string;
  let relaxedBase: string;

  const client = httpClient(() => base);
  /** The second gateway, which does not ask for verification. */
  const relaxed = httpClient(() => relaxedBase);

  /** A call to the gateway that asks for verification; `accept` sets the Accept header. */
  function call(method: string, path: string, options: { token?: string; json?: unknown; accept?: string } = {}): Promise<Reply> {
    const { accept, ...rest } = options;
    return client.call(method, path, { ...rest, headers: accept ? { accept } : undefined });
  }

  const login = (email: string, password: string) => call('POST', '/api/v1/auth/login', { json: { email, password } });

  function tokenOf(link: string): string {
    return new URL(link).searchParams.get('token')!;
  }

  /** Registers, follows the verification link and signs in. */
  const verifiedUser = (email: string, options: { fullName?: string } = {}): Promise<Account> => verifiedUserByMail(client, mail, email, options);

  async function userRow(id: string): Promise<{ tokenVersion: number; verified: boolean; role: string }> {
    const rows = await db.query(`SELECT token_version AS "tokenVersion", email_verified_at IS NOT NULL AS verified, role FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  async function sessionsOf(userId: string): Promise<{ revokedReason: string | null; revoked: boolean }[]> {
    return db.query(`SELECT revoked_reason AS "revokedReason", revoked_at IS NOT NULL AS revoked FROM sessions WHERE user_id = $1 ORDER BY created_at`, [userId]);
  }

  /** Mails to `to` received so far. */
  const mailsTo = (to: string): CaughtMail[] => mail.messages.filter((m) => m.to.includes(to));

  beforeAll(async () => {
    mail = await startMailCatcher();
    const port = await freePort();
    const relaxedPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    relaxedBase = `http://127.0.0.1:${relaxedPort}`;
    world = await createServiceWorld(
      'identity',
      gatewayTestEnv({
        SMTP_URL: mail.url,
        MAIL_FROM: 'LEAP Test <accounts@leap.test>',
        ADMIN_EMAILS: 'Boss@Example.org, other-boss@example.org',
        MAIL_RESEND_COOLDOWN: '60s',
      }),
    );
    ({ db } = await startGateway(world, { port, env: { PUBLIC_BASE_URL: base } }));
    // A second gateway on the same database that does not ask for verification.
    await startGateway(world, { port: relaxedPort, env: { PUBLIC_BASE_URL: relaxedBase, AUTH_REQUIRE_VERIFIED_EMAIL: 'false' } });
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await mail?.close();
  });

  it('registers, mails a verification link, refuses login until it is followed, and verifies through it (again and again)', async () => {
    const registered = await call('POST', '/api/v1/auth/register', { json: { email: ' Ada@Example.org ', password: PASSWORD, fullName: 'Ada Lovelace' } });
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ada@example.org', emailVerified: false });

    const verification = await mail.waitFor({ to: 'ada@example.org' });
    expect(verification).toMatchObject({ from: 'accounts@leap.test', subject: 'Confirm your email address for LEAP' });
    expect(verification.links).toEqual([expect.stringMatching(new RegExp(`^${base}/api/v1/auth/verify-email\\?token=[A-Za-z0-9_-]{43}$`))]);
    const link = verification.links[0]!;
    expect(verification.text).toContain('valid for 24 hours');
    expect(verification.html).toContain(`href="${link}"`);
    // Only the token's hash is stored.
    const stored = await db.query(`SELECT token_hash AS hash, expires_at - created_at > interval '23 hours' AS "longEnough" FROM auth_tokens WHERE user_id = $1`, [registered.body.id]);
    expect(stored).toEqual([{ hash: createHash('sha256').update(tokenOf(link)).digest(), longEnough: true }]);

    expectProblem(await login('ada@example.org', PASSWORD), 403, 'AUTH.EMAIL_NOT_VERIFIED');

    // A browser following the link gets a page.
    const page = await fetch(link, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Email address confirmed');
    expect(html).toContain('ada@example.org');

    // Following it again (a mail scanner, a second click) answers the same; API clients get JSON.
    const again = await call('GET', `/api/v1/auth/verify-email?token=${tokenOf(link)}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ verified: true, email: 'ada@example.org' });
    const posted = await call('POST', '/api/v1/auth/verify-email', { json: { token: tokenOf(link) } });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual({ verified: true, email: 'ada@example.org' });

    const session = await login('ada@example.org', PASSWORD);
    expect(session.status).toBe(200);
    const profile = await call('GET', '/api/v1/users/me', { token: session.body.accessToken });
    expect(profile.body).toMatchObject({ email: 'ada@example.org', fullName: 'Ada Lovelace', role: 'user', emailVerified: true });
  });

  it('refuses unknown and expired verification tokens with one code, as a page for browsers', async () => {
    expectProblem(await call('GET', '/api/v1/auth/verify-email?token=not-a-real-token'), 400, 'AUTH.TOKEN_INVALID');
    expectProblem(await call('POST', '/api/v1/auth/verify-email', { json: { token: 'not-a-real-token' } }), 400, 'AUTH.TOKEN_INVALID');
    expectProblem(await call('POST', '/api/v1/auth/verify-email', { json: {} }), 400, 'VALIDATION.FAILED');

    const registered = await call('POST', '/api/v1/auth/register', { json: { email: 'late@example.org', password: PASSWORD } });
    const link = (await mail.waitFor({ to: 'late@example.org' })).links[0]!;
    await db.query(`UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [registered.body.id]);
    const expired = await call('GET', `/api/v1/auth/verify-email?token=${tokenOf(link)}`);
    expectProblem(expired, 400, 'AUTH.TOKEN_INVALID');
    expect(expired.body.detail).toMatch(/invalid or has expired/);
    const page = await call('GET', `/api/v1/auth/verify-email?token=${tokenOf(link)}`, { accept: 'text/html' });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('This link does not work');
    expect((await userRow(registered.body.id)).verified).toBe(false);
  });

  it('refuses weak passwords, bad addresses and taken ones', async () => {
    const cases: [string, RegExp][] = [
      ['Short1', /^must be at least 8 characters long$/],
      ['no uppercase 123', /^must contain an uppercase letter$/],
      ['No Digits Here', /^must contain a digit$/],
      ['short', /^must be at least 8 characters long, contain a digit and contain an uppercase letter$/],
    ];
    for (const [password, message] of cases) {
      const weak = await call('POST', '/api/v1/auth/register', { json: { email: 'weak@example.org', password } });
      expectProblem(weak, 400, 'VALIDATION.FAILED');
      expect(weak.body.errors).toEqual([{ field: 'password', message: expect.stringMatching(message) }]);
    }
    const invalid = await call('POST', '/api/v1/auth/register', { json: { email: 'not-an-email', password: 'short' } });
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);

    expect((await call('POST', '/api/v1/auth/register', { json: { email: 'taken@example.org', password: PASSWORD } })).status).toBe(201);
    expectProblem(await call('POST', '/api/v1/auth/register', { json: { email: 'TAKEN@example.org', password: 'Another horse 2' } }), 409, 'AUTH.EMAIL_TAKEN');
    expect(mailsTo('weak@example.org')).toEqual([]);
  });

  it('makes the addresses in ADMIN_EMAILS admins', async () => {
    const boss = await verifiedUser('boss@example.org');
    const profile = await call('GET', '/api/v1/users/me', { token: boss.token });
    expect(profile.body.role).toBe('admin');
    const other = await call('POST', '/api/v1/auth/register', { json: { email: 'other-boss@EXAMPLE.org', password: PASSWORD } });
    expect((await userRow(other.body.id)).role).toBe('admin');
    const plain = await call('POST', '/api/v1/auth/register', { json: { email: 'worker@example.org', password: PASSWORD } });
    expect((await userRow(plain.body.id)).role).toBe('user');
  });

  it('resends verification with the same answer for every address, once per cooldown, and the new link replaces the old', async () => {
    const pending = await call('POST', '/api/v1/auth/register', { json: { email: 'pending@example.org', password: PASSWORD } });
    const firstLink = (await mail.waitFor({ to: 'pending@example.org' })).links[0]!;
    await verifiedUser('done@example.org');
    const mailsToDone = mailsTo('done@example.org').length;

    const unknown = await call('POST', '/api/v1/auth/resend-verification', { json: { email: 'nobody@example.org' } });
    const unverified = await call('POST', '/api/v1/auth/resend-verification', { json: { email: 'pending@example.org' } });
    const verified = await call('POST', '/api/v1/auth/resend-verification', { json: { email: 'done@example.org' } });
    for (const reply of [unknown, unverified, verified]) {
      expect(reply.status).toBe(202);
      expect(reply.text).toBe(unknown.text);
    }
    expect(unknown.body).toEqual({ accepted: true, message: expect.stringContaining('verification mail') });

    const resent = await mail.waitFor((m) => m.to.includes('pending@example.org') && m.links[0] !== firstLink);
    expectProblem(await call('GET', `/api/v1/auth/verify-email?token=${tokenOf(firstLink)}`), 400, 'AUTH.TOKEN_INVALID');
    expect((await call('GET', `/api/v1/auth/verify-email?token=${tokenOf(resent.links[0]!)}`)).status).toBe(200);
    expect((await userRow(pending.body.id)).verified).toBe(true);

    // A second request within the cooldown is refused for known and unknown addresses alike.
    for (const email of ['nobody@example.org', 'Pending@Example.org', 'done@example.org']) {
      const refused = await call('POST', '/api/v1/auth/resend-verification', { json: { email } });
      expectProblem(refused, 429, 'AUTH.MAIL_COOLDOWN');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // The cooldown is per purpose: a password reset can still be asked for.
    expect((await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'nobody@example.org' } })).status).toBe(202);

    // After the cooldown (moved back in the database) the address may ask again.
    await db.query(`UPDATE mail_throttle SET last_sent_at = now() - interval '61 seconds'`);
    expect((await call('POST', '/api/v1/auth/resend-verification', { json: { email: 'nobody@example.org' } })).status).toBe(202);

    await sleep(300);
    expect(mailsTo('done@example.org')).toHaveLength(mailsToDone);
    expect(mailsTo('nobody@example.org')).toEqual([]);
  });

  it('resets a forgotten password with the mailed token, once, signing out every session', async () => {
    const grace = await verifiedUser('grace@example.org');
    const before = await userRow(grace.id);

    const unknown = await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'stranger@example.org' } });
    const known = await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'grace@example.org' } });
    expect(known.status).toBe(202);
    expect(known.text).toBe(unknown.text);
    expect(known.body).toEqual({ accepted: true, message: expect.stringContaining('new password') });
    expectProblem(await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'grace@example.org' } }), 429, 'AUTH.MAIL_COOLDOWN');

    const reset = await mail.waitFor({ to: 'grace@example.org', subject: 'Reset your LEAP password' });
    expect(reset.text).toContain('valid for 1 hour');
    const link = reset.links[0]!;
    expect(link).toMatch(new RegExp(`^${base}/api/v1/auth/reset-password\\?token=[A-Za-z0-9_-]{43}$`));
    const token = tokenOf(link);

    // The link: a form for browsers, instructions for API clients; neither uses the token up.
    const form = await call('GET', `/api/v1/auth/reset-password?token=${token}`, { accept: 'text/html' });
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    expect(form.text).toContain(`value="${token}"`);
    expect(form.text).toContain('name="newPassword"');
    const instructions = await call('GET', `/api/v1/auth/reset-password?token=${token}`);
    expect(instructions.body).toMatchObject({ method: 'POST', url: '/api/v1/auth/reset-password', body: { token } });

    const weak = await call('POST', '/api/v1/auth/reset-password', { json: { token, newPassword: 'weakpassword' } });
    expectProblem(weak, 400, 'VALIDATION.FAILED');
    const done = await call('POST', '/api/v1/auth/reset-password', { json: { token, newPassword: 'Brand new horse 2' } });
    expect(done.status).toBe(204);

    expectProblem(await login('grace@example.org', PASSWORD), 401, 'AUTH.INVALID_CREDENTIALS');
    expect((await login('grace@example.org', 'Brand new horse 2')).status).toBe(200);
    expect((await userRow(grace.id)).tokenVersion).toBe(before.tokenVersion + 1);
    const sessions = await sessionsOf(grace.id);
    expect(sessions[0]).toEqual({ revoked: true, revokedReason: 'password-reset' });
    expect(sessions.at(-1)).toEqual({ revoked: false, revokedReason: null });

    // Used once: the same token is refused, by link and by POST.
    expectProblem(await call('POST', '/api/v1/auth/reset-password', { json: { token, newPassword: 'Third horse 3' } }), 400, 'AUTH.TOKEN_INVALID');
    expectProblem(await call('GET', `/api/v1/auth/reset-password?token=${token}`), 400, 'AUTH.TOKEN_INVALID');
    expectProblem(await call('POST', '/api/v1/auth/reset-password', { json: { token: 'made-up', newPassword: 'Third horse 3' } }), 400, 'AUTH.TOKEN_INVALID');
  });

  it('refuses an expired reset token, and a reset verifies the address it was mailed to', async () => {
    const registered = await call('POST', '/api/v1/auth/register', { json: { email: 'unverified@example.org', password: PASSWORD } });
    await db.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES (gen_random_uuid(), $1, now() + interval '1 day')`, [registered.body.id]);
    expect((await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'unverified@example.org' } })).status).toBe(202);
    const token = tokenOf((await mail.waitFor({ to: 'unverified@example.org', subject: 'Reset' })).links[0]!);

    await db.query(`UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'reset-password'`, [registered.body.id]);
    expectProblem(await call('POST', '/api/v1/auth/reset-password', { json: { token, newPassword: 'Brand new horse 2' } }), 400, 'AUTH.TOKEN_INVALID');
    const page = await call('GET', `/api/v1/auth/reset-password?token=${token}`, { accept: 'text/html' });
    expect(page.status).toBe(400);
    expect(page.text).toContain('This link does not work');
    expect(await sessionsOf(registered.body.id)).toEqual([{ revoked: false, revokedReason: null }]);

    await db.query(`UPDATE auth_tokens SET expires_at = now() + interval '1 hour' WHERE user_id = $1 AND purpose = 'reset-password'`, [registered.body.id]);
    expect((await call('POST', '/api/v1/auth/reset-password', { json: { token, newPassword: 'Brand new horse 2' } })).status).toBe(204);
    expect(await userRow(registered.body.id)).toEqual({ tokenVersion: 1, verified: true, role: 'user' });
    expect(await sessionsOf(registered.body.id)).toEqual([{ revoked: true, revokedReason: 'password-reset' }]);
    expect((await login('unverified@example.org', 'Brand new horse 2')).status).toBe(200);
  });

  it('shows and edits the caller profile', async () => {
    expectProblem(await call('GET', '/api/v1/users/me'), 401, 'AUTH.UNAUTHENTICATED');
    const linus = await verifiedUser('linus@example.org', { fullName: '  Linus  ' });
    const profile = await call('GET', '/api/v1/users/me', { token: linus.token });
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({
      id: linus.id,
      email: 'linus@example.org',
      fullName: 'Linus',
      role: 'user',
      emailVerified: true,
      isActive: true,
      flags: { upload: true, process: true, transcribe: true, export: true },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastLoginAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const renamed = await call('PATCH', '/api/v1/users/me', { token: linus.token, json: { fullName: 'Linus Torvalds' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ fullName: 'Linus Torvalds', email: 'linus@example.org' });
    expect((await call('PATCH', '/api/v1/users/me', { token: linus.token, json: {} })).body.fullName).toBe('Linus Torvalds');
    expect((await call('GET', '/api/v1/users/me', { token: linus.token })).body.fullName).toBe('Linus Torvalds');
    expect((await call('PATCH', '/api/v1/users/me', { token: linus.token, json: { fullName: null } })).body.fullName).toBeNull();
    expectProblem(await call('PATCH', '/api/v1/users/me', { token: linus.token, json: { fullName: 'x'.repeat(201) } }), 400, 'VALIDATION.FAILED');
  });

  it('changes the password with the current one, signing out every session', async () => {
    const margaret = await verifiedUser('margaret@example.org');
    const wrong = await call('POST', '/api/v1/users/me/password', { token: margaret.token, json: { currentPassword: 'Not my password 1', newPassword: 'Apollo eleven 11' } });
    expectProblem(wrong, 401, 'AUTH.INVALID_CREDENTIALS');
    const weak = await call('POST', '/api/v1/users/me/password', { token: margaret.token, json: { currentPassword: PASSWORD, newPassword: 'apollo' } });
    expectProblem(weak, 400, 'VALIDATION.FAILED');
    // A program holding one of her API keys cannot change her password, even knowing it.
    const key = await call('POST', '/api/v1/api-keys', { token: margaret.token, json: { name: 'script', scopes: ['read', 'write'] } });
    expect(key.status).toBe(201);
    const byKey = await call('POST', '/api/v1/users/me/password', { token: key.body.key, json: { currentPassword: PASSWORD, newPassword: 'Apollo eleven 11' } });
    expectProblem(byKey, 403, 'AUTH.SESSION_REQUIRED');
    expect(await sessionsOf(margaret.id)).toEqual([{ revoked: false, revokedReason: null }]);

    const changed = await call('POST', '/api/v1/users/me/password', { token: margaret.token, json: { currentPassword: PASSWORD, newPassword: 'Apollo eleven 11' } });
    expect(changed.status).toBe(204);
    expect(changed.text).toBe('');
    expect(await sessionsOf(margaret.id)).toEqual([{ revoked: true, revokedReason: 'password-change' }]);
    expect((await userRow(margaret.id)).tokenVersion).toBe(1);
    expectProblem(await login('margaret@example.org', PASSWORD), 401, 'AUTH.INVALID_CREDENTIALS');
    expect((await login('margaret@example.org', 'Apollo eleven 11')).status).toBe(200);
  });

  it('verifies at once and mails nothing when the deployment does not require verification', async () => {
    const registered = await relaxed.call('POST', '/api/v1/auth/register', { json: { email: 'quick@example.org', password: PASSWORD } });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ email: 'quick@example.org', emailVerified: true });
    expect((await relaxed.call('POST', '/api/v1/auth/login', { json: { email: 'quick@example.org', password: PASSWORD } })).status).toBe(200);
    await sleep(300);
    expect(mailsTo('quick@example.org')).toEqual([]);
  });
});
