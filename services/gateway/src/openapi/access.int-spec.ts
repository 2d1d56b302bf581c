/**
 * Access, for every private operation of the served OpenAPI document: without a credential it is
 * a 401, and with an API key that lacks the scope it needs it is a 403. New routes are covered the
 * day they are added to the document.
 */
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { fillPath, gatewayTestEnv, httpClient, servedOperations, startGateway, verifiedUser, type Operation } from '../testing';
import type { DataSource } from 'typeorm';

const SOME_ID = '0190a6c4-0000-7000-8000-000000000000';

/** A URL of the operation with a well-formed id that names nothing. */
function urlOf(operation: Operation): string {
  const values = Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.name === 'file' ? 'leap-docs.js' : SOME_ID]));
  return fillPath(operation.path, values);
}

describe('access to every private operation', () => {
  let world: ServiceWorld;
  let base: string;
  let db: DataSource;
  const client = httpClient(() => base);
  const { call } = client;

  beforeAll(async () => {
    world = await createServiceWorld('gateway_access_suite', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    ({ base, db } = await startGateway(world));
  }, 300_000);

  afterAll(() => world?.close());

  it('answers 401 without a credential (or with a forged one), and 403 with an API key lacking the scope', async () => {
    const user = await verifiedUser(client, db, 'user@example.org');
    const admin = await verifiedUser(client, db, 'admin@example.org', { role: 'admin' });
    const key = async (token: string, scopes: string[]) => {
      const reply = await call('POST', '/api/v1/api-keys', { token, json: { name: `only ${scopes.join(' ')}`, scopes } });
      expect(reply.status).toBe(201);
      return reply.body.key as string;
    };
    // For each scope a route needs, a key of the right account that has every other scope but that one.
    const lacking = { read: await key(user.token, ['write']), write: await key(user.token, ['read']), admin: await key(admin.token, ['read', 'write']) };

    const operations = (await servedOperations(base)).filter((o) => !o.isPublic);
    const faults: unknown[] = [];
    let cases = 0;
    for (const operation of operations) {
      const url = urlOf(operation);
      const attempts: { name: string; token?: string; status: number; code: string }[] = [
        { name: 'no credential', status: 401, code: 'AUTH.UNAUTHENTICATED' },
        { name: 'forged access token', token: `${user.token.slice(0, -4)}AAAA`, status: 401, code: 'AUTH.UNAUTHENTICATED' },
        { name: 'unknown API key', token: 'leap_0000000000000000000000000000000000000000', status: 401, code: 'AUTH.UNAUTHENTICATED' },
        { name: `API key without "${operation.scope}"`, token: lacking[operation.scope!], status: 403, code: 'AUTH.INSUFFICIENT_SCOPE' },
      ];
      for (const attempt of attempts) {
        cases += 1;
        const reply = await call(operation.method, url, { token: attempt.token });
        // A HEAD answer has no body: its problem shows in the status and content type alone.
        const head = operation.method === 'HEAD';
        const seen = { status: reply.status, code: reply.body?.code, type: reply.headers.get('content-type')?.split(';')[0] };
        const expected = { status: attempt.status, code: head ? undefined : attempt.code, type: 'application/problem+json' };
        if (JSON.stringify(seen) !== JSON.stringify(expected)) faults.push({ operation: operation.key, attempt: attempt.name, seen, expected });
        if (attempt.status === 401 && !reply.headers.get('www-authenticate')?.startsWith('Bearer')) faults.push({ operation: operation.key, attempt: attempt.name, missing: 'WWW-Authenticate' });
        if (attempt.status === 403 && !head && reply.body?.requiredScope !== operation.scope) faults.push({ operation: operation.key, attempt: attempt.name, requiredScope: reply.body?.requiredScope });
      }
    }
    console.log(`access suite: ${operations.length} private operations, ${cases} cases`);
    expect(faults).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(20);
    // The credentials themselves still work: every refusal above was about the route, not the key.
    expect((await call('GET', '/api/v1/users/me', { token: lacking.admin })).status).toBe(200);
  });
});
