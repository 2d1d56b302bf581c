import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../testing';

const SOME_RECORDING = '0190f5d0-0000-7000-8000-000000000001';

describe('API keys over HTTP', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  const client = httpClient(() => base);
  const { call } = client;

  /** A verified account (an admin when asked) and an access token of it. */
  const signUp = (email: string, role: 'user' | 'admin' = 'user'): Promise<Account> => verifiedUser(client, db, email, { role });

  async function createKey(token: string, body: Record<string, unknown>): Promise<{ id: string; key: string; [k: string]: unknown }> {
    const reply = await call('POST', '/api/v1/api-keys', { token, json: body });
    expect(reply.status).toBe(201);
    return reply.body;
  }

  beforeAll(async () => {
    world = await createServiceWorld('api_keys', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    ({ db, base } = await startGateway(world));
  }, 300_000);

  afterAll(() => world?.close());

  let alice: Account;
  let bob: Account;
  let admin: Account;

  beforeAll(async () => {
    alice = await signUp('alice@example.org');
    bob = await signUp('bob@example.org');
    admin = await signUp('root@example.org', 'admin');
  });

  it('shows a new key once, lists it without the secret and stores only its hash', async () => {
    const created = await call('POST', '/api/v1/api-keys', { token: alice.token, json: { name: ' CI uploader ', scopes: ['write', 'read', 'read'] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'CI uploader',
      scopes: ['read', 'write'],
      prefix: expect.stringMatching(/^leap_[a-z0-9]{8}$/),
      createdAt: expect.any(String),
      expiresAt: null,
      key: expect.stringMatching(/^leap_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/),
    });
    const { key, prefix, id } = created.body;
    expect(key.startsWith(`${prefix}_`)).toBe(true);

    const list = await call('GET', '/api/v1/api-keys', { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        { id, name: 'CI uploader', prefix, scopes: ['read', 'write'], createdAt: created.body.createdAt, expiresAt: null, lastUsedAt: null, revokedAt: null, status: 'active' },
      ],
      page: 1,
      pageSize: 20,
      total: 1,
      totalPages: 1,
    });
    expect(list.text).not.toContain(key.slice(prefix.length + 1));

    const [stored] = await db.query(`SELECT public_id AS "publicId", secret_hash AS "hash" FROM api_keys WHERE id = $1`, [id]);
    expect(stored).toEqual({ publicId: prefix.slice('leap_'.length), hash: createHash('sha256').update(key).digest() });
    const asText = JSON.stringify(await db.query(`SELECT * FROM api_keys WHERE id = $1`, [id]));
    expect(asText).not.toContain(key.slice(prefix.length + 1));

    // Bob sees none of Alice's keys.
    expect((await call('GET', '/api/v1/api-keys', { token: bob.token })).body.total).toBe(0);
  });

  it('replays a retried creation with the same Idempotency-Key instead of making a second key, never storing the secret', async () => {
    const request = { token: bob.token, json: { name: 'retried', scopes: ['read'] }, headers: { 'idempotency-key': 'make-key-1' } };
    const first = await call('POST', '/api/v1/api-keys', request);
    const retry = await call('POST', '/api/v1/api-keys', request);
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/^leap_/);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // The same key again, but the secret was shown once and is not kept anywhere.
    const { key: secret, ...metadata } = first.body;
    expect(retry.body).toEqual(metadata);
    const stored = await db.query(`SELECT response_body::text AS body FROM idempotency_keys WHERE key = 'make-key-1'`);
    expect(stored).toHaveLength(1);
    expect(stored[0].body).not.toContain(secret);
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM api_keys WHERE user_id = $1 AND name = 'retried'`, [bob.id]);
    expect(count).toBe(1);
    await call('DELETE', `/api/v1/api-keys/${first.body.id}`, { token: bob.token });
  });

  it('authenticates requests with a key, recording its last use at most once a minute', async () => {
    const { id, key } = await createKey(alice.token, { name: 'reader and writer', scopes: ['read', 'write'] });
    const list = await call('GET', '/api/v1/recordings', { token: key });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ items: [], total: 0 });
    expect(list.headers.get('ratelimit-limit')).toBe('10000');

    const [first] = await db.query(`SELECT last_used_at AS "lastUsedAt" FROM api_keys WHERE id = $1`, [id]);
    expect(first.lastUsedAt).toBeInstanceOf(Date);
    expect(Date.now() - first.lastUsedAt.getTime()).toBeLessThan(30_000);
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);
    const [second] = await db.query(`SELECT last_used_at AS "lastUsedAt" FROM api_keys WHERE id = $1`, [id]);
    expect(second.lastUsedAt.getTime()).toBe(first.lastUsedAt.getTime());

    // A use more than a minute after the last recorded one is recorded again.
    await db.query(`UPDATE api_keys SET last_used_at = now() - interval '5 minutes' WHERE id = $1`, [id]);
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);
    const [third] = await db.query(`SELECT last_used_at > now() - interval '30 seconds' AS recent FROM api_keys WHERE id = $1`, [id]);
    expect(third.recent).toBe(true);

    const item = (await call('GET', '/api/v1/api-keys', { token: alice.token })).body.items.find((k: { id: string }) => k.id === id);
    expect(item.lastUsedAt).toEqual(expect.any(String));
  });

  it('refuses a read-only key on a write, with the scope it lacks', async () => {
    const { key } = await createKey(alice.token, { name: 'dashboard', scopes: ['read'] });
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);
    const write = await call('DELETE', `/api/v1/recordings/${SOME_RECORDING}`, { token: key });
    expectProblem(write, 403, 'AUTH.INSUFFICIENT_SCOPE');
    expect(write.body.requiredScope).toBe('write');
    expect(write.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="write"');
  });

  it('refuses unknown keys and keys with a wrong secret', async () => {
    const { key } = await createKey(alice.token, { name: 'to tamper with', scopes: ['read'] });
    const tampered = `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [tampered, `leap_zzzzzzzz_${'A'.repeat(43)}`, 'leap_not-a-key']) {
      const reply = await call('GET', '/api/v1/recordings', { token: bad });
      expectProblem(reply, 401, 'AUTH.UNAUTHENTICATED');
      expect(reply.body.detail).toBe('Unknown API key');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('revokes a key (twice is fine), which then answers 401 AUTH.API_KEY_REVOKED', async () => {
    const { id, key } = await createKey(alice.token, { name: 'short-lived', scopes: ['read'] });
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);

    const revoked = await call('DELETE', `/api/v1/api-keys/${id}`, { token: alice.token });
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');
    expect((await call('DELETE', `/api/v1/api-keys/${id}`, { token: alice.token })).status).toBe(204);

    expectProblem(await call('GET', '/api/v1/recordings', { token: key }), 401, 'AUTH.API_KEY_REVOKED');
    const listed = await call('GET', '/api/v1/api-keys?status=revoked', { token: alice.token });
    expect(listed.body.items).toEqual([expect.objectContaining({ id, status: 'revoked', revokedAt: expect.any(String) })]);
  });

  it("answers 404 for another user's key id and unknown ids, leaving the key working", async () => {
    const { id, key } = await createKey(alice.token, { name: 'not yours', scopes: ['read'] });
    expectProblem(await call('DELETE', `/api/v1/api-keys/${id}`, { token: bob.token }), 404, 'API_KEY.NOT_FOUND');
    expectProblem(await call('DELETE', `/api/v1/api-keys/${SOME_RECORDING}`, { token: alice.token }), 404, 'API_KEY.NOT_FOUND');
    expectProblem(await call('DELETE', '/api/v1/api-keys/not-a-uuid', { token: alice.token }), 404, 'API_KEY.NOT_FOUND');
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);
  });

  it('refuses an expired key with 401 AUTH.API_KEY_EXPIRED and lists it as expired', async () => {
    const later = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
    const { id, key, expiresAt } = await createKey(alice.token, { name: 'for a week', scopes: ['read'], expiresAt: later });
    expect(expiresAt).toBe(later);
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);

    await db.query(`UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    expectProblem(await call('GET', '/api/v1/recordings', { token: key }), 401, 'AUTH.API_KEY_EXPIRED');
    const expired = await call('GET', '/api/v1/api-keys?status=expired', { token: alice.token });
    expect(expired.body.items.map((k: { id: string; status: string }) => [k.id, k.status])).toEqual([[id, 'expired']]);
  });

  it('lets only a signed-in user manage keys: an API key gets 403 AUTH.SESSION_REQUIRED', async () => {
    const { id, key } = await createKey(alice.token, { name: 'leaky', scopes: ['read', 'write'] });
    expectProblem(await call('POST', '/api/v1/api-keys', { token: key, json: { name: 'more', scopes: ['read'] } }), 403, 'AUTH.SESSION_REQUIRED');
    expectProblem(await call('GET', '/api/v1/api-keys', { token: key }), 403, 'AUTH.SESSION_REQUIRED');
    expectProblem(await call('DELETE', `/api/v1/api-keys/${id}`, { token: key }), 403, 'AUTH.SESSION_REQUIRED');
    expectProblem(await call('GET', '/api/v1/api-keys'), 401, 'AUTH.UNAUTHENTICATED');
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM api_keys WHERE user_id = $1 AND name = 'more'`, [alice.id]);
    expect(count).toBe(0);
  });

  it('validates new keys: name, scopes, expiry; the admin scope is for administrators only', async () => {
    const bad = await call('POST', '/api/v1/api-keys', {
      token: bob.token,
      json: { name: '', scopes: [], expiresAt: '2001-01-01T00:00:00Z' },
    });
    expectProblem(bad, 400, 'VALIDATION.FAILED');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['expiresAt', 'name', 'scopes']);
    expectProblem(await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'x'.repeat(101), scopes: ['read'] } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'ok', scopes: ['delete'] } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'ok', scopes: ['read'], expiresAt: 'tomorrow' } }), 400, 'VALIDATION.FAILED');

    expectProblem(await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'sneaky', scopes: ['read', 'admin'] } }), 403, 'AUTH.ADMIN_REQUIRED');
    const bobsKeys = (await call('GET', '/api/v1/api-keys', { token: bob.token })).body.items;
    expect(bobsKeys.map((k: { name: string }) => k.name)).toEqual(['retried']);
  });

  it("gives an admin key the admin API, but not a user's key nor an admin's key without the admin scope", async () => {
    const adminKey = await createKey(admin.token, { name: 'ops', scopes: ['read', 'admin'] });
    expect(adminKey.scopes).toEqual(['read', 'admin']);
    const users = await call('GET', '/api/v1/admin/users', { token: adminKey.key });
    expect(users.status).toBe(200);
    expect(users.body.total).toBe(3);

    const plainAdminKey = await createKey(admin.token, { name: 'ops without admin', scopes: ['read', 'write'] });
    expectProblem(await call('GET', '/api/v1/admin/users', { token: plainAdminKey.key }), 403, 'AUTH.INSUFFICIENT_SCOPE');
    const userKey = await createKey(bob.token, { name: 'bob', scopes: ['read', 'write'] });
    expectProblem(await call('GET', '/api/v1/admin/users', { token: userKey.key }), 403, 'AUTH.ADMIN_REQUIRED');

    // A demoted admin's key loses the admin API at once.
    await db.query(`UPDATE users SET role = 'user' WHERE id = $1`, [admin.id]);
    try {
      expectProblem(await call('GET', '/api/v1/admin/users', { token: adminKey.key }), 403, 'AUTH.ADMIN_REQUIRED');
      expect((await call('GET', '/api/v1/recordings', { token: adminKey.key })).status).toBe(200);
    } finally {
      await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.id]);
    }
  });

  it("refuses a disabled owner's keys with 403 AUTH.ACCOUNT_DISABLED", async () => {
    const carol = await signUp('carol@example.org');
    const { key } = await createKey(carol.token, { name: 'carol', scopes: ['read'] });
    await db.query(`UPDATE users SET is_active = false WHERE id = $1`, [carol.id]);
    expectProblem(await call('GET', '/api/v1/recordings', { token: key }), 403, 'AUTH.ACCOUNT_DISABLED');
    await db.query(`UPDATE users SET is_active = true WHERE id = $1`, [carol.id]);
    expect((await call('GET', '/api/v1/recordings', { token: key })).status).toBe(200);
  });

  it('lists keys by the list convention: sort, filter and pages', async () => {
    const dave = await signUp('dave@example.org');
    const made = [];
    for (const name of ['charlie', 'alpha', 'bravo']) made.push(await createKey(dave.token, { name, scopes: ['read'] }));
    await call('DELETE', `/api/v1/api-keys/${made[0]!.id}`, { token: dave.token });

    const byName = await call('GET', '/api/v1/api-keys?sort=name&pageSize=2', { token: dave.token });
    expect(byName.body).toMatchObject({ page: 1, pageSize: 2, total: 3, totalPages: 2 });
    expect(byName.body.items.map((k: { name: string }) => k.name)).toEqual(['alpha', 'bravo']);
    const second = await call('GET', '/api/v1/api-keys?sort=name&pageSize=2&page=2', { token: dave.token });
    expect(second.body.items.map((k: { name: string }) => k.name)).toEqual(['charlie']);

    const newest = await call('GET', '/api/v1/api-keys', { token: dave.token });
    expect(newest.body.items.map((k: { name: string }) => k.name)).toEqual(['bravo', 'alpha', 'charlie']);
    const active = await call('GET', '/api/v1/api-keys?status=active&sort=-name', { token: dave.token });
    expect(active.body.items.map((k: { name: string }) => k.name)).toEqual(['bravo', 'alpha']);
    const both = await call('GET', '/api/v1/api-keys?status=active,revoked&sort=name', { token: dave.token });
    expect(both.body.total).toBe(3);

    await call('GET', '/api/v1/recordings', { token: made[1]!.key });
    const used = await call('GET', '/api/v1/api-keys?sort=-lastUsedAt', { token: dave.token });
    expect(used.body.items[0].name).toBe('alpha');

    expectProblem(await call('GET', '/api/v1/api-keys?sort=secret', { token: dave.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/api-keys?status=lost', { token: dave.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/api-keys?pageSize=101', { token: dave.token }), 400, 'VALIDATION.FAILED');
  });
});
