import { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, uploadForm, verifiedUser, type Account } from '../testing';

describe('the admin API over HTTP', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  const client = httpClient(() => base);
  const { call } = client;

  /** A verified account with a full name (an admin when asked) and an access token of it. */
  const signUp = (email: string, fullName: string, role: 'user' | 'admin' = 'user'): Promise<Account> => verifiedUser(client, db, email, { fullName, role });

  async function auditEntries(targetId: string): Promise<any[]> {
    const reply = await call('GET', `/api/v1/admin/audit-log?targetId=${targetId}&pageSize=100`, { token: admin.token });
    expect(reply.status).toBe(200);
    return reply.body.items;
  }

  const upload = () => uploadForm(Buffer.from('not really a video'), 'clip.mp4');

  beforeAll(async () => {
    world = await createServiceWorld('admin', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    ({ db, base } = await startGateway(world));
  }, 300_000);

  afterAll(() => world?.close());

  let admin: Account;
  let alice: Account;
  let bob: Account;
  let carol: Account;

  beforeAll(async () => {
    admin = await signUp('root@example.org', 'Rosa Root', 'admin');
    alice = await signUp('alice@example.org', 'Alice Anderson');
    bob = await signUp('bob@example.org', 'Bob Brown');
    carol = await signUp('carol@other.test', 'Carol Alcott');
    await db.query(`UPDATE users SET email_verified_at = NULL WHERE id = $1`, [carol.id]);
    await db.query(`UPDATE users SET last_login_at = now() - interval '3 days' WHERE id = $1`, [bob.id]);
  });

  it('refuses non-admins on every admin route with 403 AUTH.ADMIN_REQUIRED', async () => {
    expectProblem(await call('GET', '/api/v1/admin/users', { token: alice.token }), 403, 'AUTH.ADMIN_REQUIRED');
    expectProblem(await call('GET', `/api/v1/admin/users/${bob.id}`, { token: alice.token }), 403, 'AUTH.ADMIN_REQUIRED');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${alice.id}`, { token: alice.token, json: { role: 'admin' } }), 403, 'AUTH.ADMIN_REQUIRED');
    expectProblem(await call('GET', '/api/v1/admin/audit-log', { token: alice.token }), 403, 'AUTH.ADMIN_REQUIRED');
    expectProblem(await call('GET', '/api/v1/admin/users'), 401, 'AUTH.UNAUTHENTICATED');
    expect((await call('GET', `/api/v1/admin/users/${alice.id}`, { token: admin.token })).body.role).toBe('user');
  });

  it('shows a user, and 404 USER.NOT_FOUND for unknown ids', async () => {
    const reply = await call('GET', `/api/v1/admin/users/${bob.id}`, { token: admin.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: bob.id,
      email: 'bob@example.org',
      fullName: 'Bob Brown',
      role: 'user',
      isActive: true,
      emailVerified: true,
      flags: { upload: true, process: true, transcribe: true, export: true },
      createdAt: expect.any(String),
      lastLoginAt: expect.any(String),
    });
    expectProblem(await call('GET', '/api/v1/admin/users/0190f5d0-0000-7000-8000-000000000001', { token: admin.token }), 404, 'USER.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/admin/users/nobody', { token: admin.token }), 404, 'USER.NOT_FOUND');
  });

  it('lists users with search, filters, sort and pages', async () => {
    const emails = async (query: string) => {
      const reply = await call('GET', `/api/v1/admin/users?${query}`, { token: admin.token });
      expect(reply.status).toBe(200);
      return reply.body.items.map((u: { email: string }) => u.email);
    };
    const all = await call('GET', '/api/v1/admin/users', { token: admin.token });
    expect(all.body).toMatchObject({ page: 1, pageSize: 20, total: 4, totalPages: 1 });
    // Newest first by default.
    expect(all.body.items.map((u: { email: string }) => u.email)).toEqual(['carol@other.test', 'bob@example.org', 'alice@example.org', 'root@example.org']);

    expect(await emails('search=ALICE')).toEqual(['alice@example.org']);
    expect(await emails('search=alc&sort=email')).toEqual(['carol@other.test']);
    expect(await emails('search=example.ORG&sort=email')).toEqual(['alice@example.org', 'bob@example.org', 'root@example.org']);
    expect(await emails('search=%25')).toEqual([]);
    expect(await emails('role=admin')).toEqual(['root@example.org']);
    expect(await emails('role=user,admin&sort=email')).toEqual(['alice@example.org', 'bob@example.org', 'carol@other.test', 'root@example.org']);
    expect(await emails('verified=false')).toEqual(['carol@other.test']);
    expect(await emails('verified=true&role=user&sort=-email')).toEqual(['bob@example.org', 'alice@example.org']);
    expect(await emails('active=false')).toEqual([]);
    // Everyone but Bob signed in just now; Bob three days ago.
    expect((await emails('sort=lastLoginAt'))[0]).toBe('bob@example.org');

    const page2 = await call('GET', '/api/v1/admin/users?sort=email&pageSize=3&page=2', { token: admin.token });
    expect(page2.body).toMatchObject({ page: 2, pageSize: 3, total: 4, totalPages: 2 });
    expect(page2.body.items.map((u: { email: string }) => u.email)).toEqual(['root@example.org']);

    for (const bad of ['sort=password', 'role=owner', 'active=maybe', 'pageSize=0']) {
      expectProblem(await call('GET', `/api/v1/admin/users?${bad}`, { token: admin.token }), 400, 'VALIDATION.FAILED');
    }
  });

  it("turns a feature flag off: the user's uploads answer 403 FEATURE.DISABLED; the audit log holds before and after", async () => {
    const reply = await call('PATCH', `/api/v1/admin/users/${bob.id}`, {
      token: admin.token,
      json: { flags: { upload: false, export: true } },
      headers: { 'x-request-id': 'flags-change-1' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.flags).toEqual({ upload: false, process: true, transcribe: true, export: true });

    const refused = await call('POST', '/api/v1/recordings', { token: bob.token, form: upload() });
    expectProblem(refused, 403, 'FEATURE.DISABLED');
    expect(refused.body.flag).toBe('upload');

    expect(await auditEntries(bob.id)).toEqual([
      {
        id: expect.any(String),
        actorId: admin.id,
        actorEmail: 'root@example.org',
        action: 'user.updated',
        targetType: 'user',
        targetId: bob.id,
        changes: { before: { flags: { upload: true } }, after: { flags: { upload: false } } },
        requestId: 'flags-change-1',
        createdAt: expect.any(String),
      },
    ]);
  });

  it('changes roles: a promoted user reaches the admin API, a demoted one no longer does', async () => {
    const promoted = await call('PATCH', `/api/v1/admin/users/${alice.id}`, { token: admin.token, json: { role: 'admin' }, headers: { 'x-request-id': 'promote-alice' } });
    expect(promoted.body.role).toBe('admin');
    expect((await call('GET', '/api/v1/admin/users', { token: alice.token })).status).toBe(200);

    const demoted = await call('PATCH', `/api/v1/admin/users/${alice.id}`, { token: admin.token, json: { role: 'user' }, headers: { 'x-request-id': 'demote-alice' } });
    expect(demoted.body.role).toBe('user');
    expectProblem(await call('GET', '/api/v1/admin/users', { token: alice.token }), 403, 'AUTH.ADMIN_REQUIRED');

    const entries = await auditEntries(alice.id);
    expect(entries.map((e) => [e.requestId, e.changes])).toEqual([
      ['demote-alice', { before: { role: 'admin' }, after: { role: 'user' } }],
      ['promote-alice', { before: { role: 'user' }, after: { role: 'admin' } }],
    ]);
  });

  it("deactivates a user: their sessions end, their token and keys answer 403 AUTH.ACCOUNT_DISABLED until reactivated", async () => {
    const keyReply = await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'bob script', scopes: ['read'] } });
    expect(keyReply.status).toBe(201);
    const key: string = keyReply.body.key;
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);

    const reply = await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: { isActive: false }, headers: { 'x-request-id': 'deactivate-bob' } });
    expect(reply.status).toBe(200);
    expect(reply.body.isActive).toBe(false);

    expectProblem(await call('GET', '/api/v1/recordings', { token: bob.token }), 403, 'AUTH.ACCOUNT_DISABLED');
    expectProblem(await call('GET', '/api/v1/recordings', { token: key }), 403, 'AUTH.ACCOUNT_DISABLED');
    const sessions = await db.query(`SELECT revoked_at IS NOT NULL AS revoked, revoked_reason AS reason FROM sessions WHERE user_id = $1`, [bob.id]);
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s: { revoked: boolean; reason: string }) => s.revoked && s.reason === 'deactivated')).toBe(true);
    const [stillThere] = await db.query(`SELECT revoked_at FROM api_keys WHERE user_id = $1`, [bob.id]);
    expect(stillThere.revoked_at).toBeNull();
    expect((await call('GET', '/api/v1/admin/users?active=false', { token: admin.token })).body.items.map((u: { id: string }) => u.id)).toEqual([bob.id]);

    await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: { isActive: true }, headers: { 'x-request-id': 'reactivate-bob' } });
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);

    const entries = await auditEntries(bob.id);
    expect(entries.slice(0, 2).map((e) => [e.requestId, e.changes])).toEqual([
      ['reactivate-bob', { before: { isActive: false }, after: { isActive: true } }],
      ['deactivate-bob', { before: { isActive: true }, after: { isActive: false } }],
    ]);
  });

  it('verifies and unverifies addresses, recording only the fields that changed', async () => {
    const reply = await call('PATCH', `/api/v1/admin/users/${carol.id}`, { token: admin.token, json: { emailVerified: true, role: 'user', isActive: true } });
    expect(reply.body).toMatchObject({ emailVerified: true, role: 'user', isActive: true });
    const [entry] = await auditEntries(carol.id);
    expect(entry.changes).toEqual({ before: { emailVerified: false }, after: { emailVerified: true } });
  });

  it('refuses self-demotion and self-deactivation (409 ADMIN.SELF_CHANGE), empty and unknown patches (400)', async () => {
    const before = (await call('GET', '/api/v1/admin/audit-log', { token: admin.token })).body.total;
    const demote = await call('PATCH', `/api/v1/admin/users/${admin.id}`, { token: admin.token, json: { role: 'user' } });
    expectProblem(demote, 409, 'ADMIN.SELF_CHANGE');
    expect(demote.body.field).toBe('role');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${admin.id}`, { token: admin.token, json: { isActive: false } }), 409, 'ADMIN.SELF_CHANGE');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: {} }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: { flags: {} } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: { password: 'x' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: { flags: { teleport: true } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PATCH', `/api/v1/admin/users/${bob.id}`, { token: admin.token, json: { role: 'owner' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('PATCH', '/api/v1/admin/users/0190f5d0-0000-7000-8000-000000000001', { token: admin.token, json: { role: 'admin' } }), 404, 'USER.NOT_FOUND');

    const after = await call('GET', '/api/v1/admin/audit-log', { token: admin.token });
    expect(after.body.total).toBe(before);
    const me = await call('GET', `/api/v1/admin/users/${admin.id}`, { token: admin.token });
    expect(me.body).toMatchObject({ role: 'admin', isActive: true });
  });

  it('works with an admin-scoped API key of an admin, and records it as that admin', async () => {
    const created = await call('POST', '/api/v1/api-keys', { token: admin.token, json: { name: 'ops', scopes: ['admin'] } });
    expect(created.status).toBe(201);
    const reply = await call('PATCH', `/api/v1/admin/users/${alice.id}`, { token: created.body.key, json: { flags: { transcribe: false } }, headers: { 'x-request-id': 'by-key' } });
    expect(reply.status).toBe(200);
    const [entry] = await auditEntries(alice.id);
    expect(entry).toMatchObject({ actorId: admin.id, requestId: 'by-key', changes: { before: { flags: { transcribe: true } }, after: { flags: { transcribe: false } } } });
  });

  it('lists the audit log newest first, one entry per change, filtered by actor, target and action', async () => {
    const all = await call('GET', '/api/v1/admin/audit-log', { token: admin.token });
    expect(all.status).toBe(200);
    // flags (bob), promote and demote (alice), deactivate and reactivate (bob), verify (carol), flag by key (alice).
    expect(all.body.total).toBe(7);
    const times = all.body.items.map((e: { createdAt: string }) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.body.items[0].requestId).toBe('by-key');

    const oldest = await call('GET', '/api/v1/admin/audit-log?sort=createdAt&pageSize=1', { token: admin.token });
    expect(oldest.body).toMatchObject({ total: 7, totalPages: 7, pageSize: 1 });
    expect(oldest.body.items[0].requestId).toBe('flags-change-1');

    const byActor = await call('GET', `/api/v1/admin/audit-log?actorId=${admin.id}&action=user.updated`, { token: admin.token });
    expect(byActor.body.total).toBe(7);
    expect((await call('GET', `/api/v1/admin/audit-log?actorId=${alice.id}`, { token: admin.token })).body.total).toBe(0);
    expect((await call('GET', `/api/v1/admin/audit-log?targetId=${bob.id},${carol.id}`, { token: admin.token })).body.total).toBe(4);
    expect((await call('GET', '/api/v1/admin/audit-log?action=user.deleted', { token: admin.token })).body.total).toBe(0);
    expectProblem(await call('GET', '/api/v1/admin/audit-log?actorId=someone', { token: admin.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/admin/audit-log?sort=action', { token: admin.token }), 400, 'VALIDATION.FAILED');
  });
});
