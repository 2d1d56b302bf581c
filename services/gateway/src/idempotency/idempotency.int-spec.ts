import { randomBytes, randomUUID } from 'node:crypto';
import { Body, Controller, Module, Post, Res } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeapError } from '@leap/errors';
import type { ServiceDefinition } from '@leap/platform';
import { LocalObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import type { RegisterUploadedRecording, ReleaseReservation, ReservationDecision, ReserveRecording } from '@leap/contracts';
import { Idempotent } from '../access/decorators';
import type { HttpResponse } from '../common/http-types';
import { gatewayService } from '../service';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, quotaStandIn, signUp, startGateway, uploadForm as form, type Account, type Reply } from '../testing';

// ---------------------------------------------------------------- a JSON route to retry

/** What the test route did: how often it ran, and a gate that holds it while set. */
const things = { runs: 0, gate: undefined as Promise<void> | undefined };

@Controller('api/v1/idempotency-probe')
class ThingsController {
  @Post('things')
  @Idempotent()
  async create(@Body() body: { name?: string; fail?: 'client' | 'server' }, @Res({ passthrough: true }) response: HttpResponse) {
    things.runs += 1;
    if (things.gate) await things.gate;
    if (body.fail === 'server') throw new Error('the thing store is down');
    if (body.fail === 'client') throw new LeapError('THING.INVALID', 'A thing needs a better name', { status: 400, details: { field: 'name' } });
    const id = randomUUID();
    response.setHeader('Location', `/api/v1/idempotency-probe/things/${id}`);
    return { id, name: body.name, run: things.runs };
  }

  @Post('other-things')
  @Idempotent()
  createOther(@Body() body: { name?: string }) {
    things.runs += 1;
    return { name: body.name };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const gatewayWithThings: ServiceDefinition = { ...gatewayService, imports: [...(gatewayService.imports ?? []), ThingsModule] };

// ---------------------------------------------------------------- in-process stand-ins of ingest and quota

const commands: RegisterUploadedRecording[] = [];
const quota = { asked: [] as ReserveRecording[], released: [] as ReleaseReservation[] };

const ingestProbe = ingestStandIn((ctx) => {
  if (ctx.envelope.type === 'ingest.recording.register-uploaded.v1') commands.push(ctx.data);
});

const fakeQuota = quotaStandIn({
  reserve(ask): ReservationDecision {
    quota.asked.push(ask);
    return { granted: true, reservationId: `res-${ask.idempotencyKey}`, limit: '10', used: '0', period: '2026-01' };
  },
  release: (release) => quota.released.push(release),
});

// ---------------------------------------------------------------- helpers

/** Something the upload's sniff takes for an mp4 (`ftyp` at offset 4), with content of its own. */
function mp4Like(): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), randomBytes(32 * 1024)]);
}

describe('Idempotency-Key', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let store: LocalObjectStore;
  let base: string;
  let alice: Account;
  let bob: Account;
  const client = httpClient(() => base);

  /** A call with an `Idempotency-Key` header when `key` is given. */
  function call(method: string, path: string, options: { token?: string; json?: unknown; form?: FormData; key?: string } = {}): Promise<Reply> {
    const { key, ...rest } = options;
    return client.call(method, path, { ...rest, headers: key === undefined ? undefined : { 'idempotency-key': key } });
  }

  const createThing = (token: string, json: unknown, key?: string) => call('POST', '/api/v1/idempotency-probe/things', { token, json, key });

  beforeAll(async () => {
    world = await createServiceWorld('gateway_idempotency', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    store = new LocalObjectStore(world.storageRoot);
    await world.start(fakeQuota);
    await world.start(ingestProbe);
    ({ db, base } = await startGateway(world, { service: gatewayWithThings }));
    alice = await signUp(client, 'alice@example.org');
    bob = await signUp(client, 'bob@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  it('replays the first answer of a retried request without running it again', async () => {
    const runs = things.runs;
    const first = await createThing(alice.token, { name: 'lamp', tags: { colour: 'red', size: 2 } }, 'create-lamp-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.headers.get('location')).toBe(`/api/v1/idempotency-probe/things/${first.body.id}`);

    // The same JSON document, its keys in another order.
    const again = await createThing(alice.token, { tags: { size: 2, colour: 'red' }, name: 'lamp' }, 'create-lamp-1');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(things.runs).toBe(runs + 1);

    const withoutKey = await createThing(alice.token, { name: 'lamp' });
    const withoutKeyAgain = await createThing(alice.token, { name: 'lamp' });
    expect(withoutKeyAgain.body.id).not.toBe(withoutKey.body.id);
    expect(things.runs).toBe(runs + 3);
  });

  it('refuses the key for another body, path or method with 422', async () => {
    await createThing(alice.token, { name: 'chair' }, 'create-chair');
    const runs = things.runs;
    expectProblem(await createThing(alice.token, { name: 'table' }, 'create-chair'), 422, 'IDEMPOTENCY.KEY_REUSED');
    expectProblem(await call('POST', '/api/v1/idempotency-probe/other-things', { token: alice.token, json: { name: 'chair' }, key: 'create-chair' }), 422, 'IDEMPOTENCY.KEY_REUSED');
    expect(things.runs).toBe(runs);
  });

  it('answers 409 with Retry-After while the first request still runs', async () => {
    let open!: () => void;
    things.gate = new Promise<void>((resolve) => (open = resolve));
    const runs = things.runs;
    const first = createThing(alice.token, { name: 'slow' }, 'create-slow');
    try {
      await eventually(() => expect(things.runs).toBe(runs + 1));
      const meanwhile = await createThing(alice.token, { name: 'slow' }, 'create-slow');
      expectProblem(meanwhile, 409, 'IDEMPOTENCY.IN_PROGRESS');
      expect(meanwhile.headers.get('retry-after')).toBe('1');
      // A running request holds its key for minutes, not a whole IDEMPOTENCY_TTL (should its gateway stop).
      const [held] = await db.query(`SELECT state, expires_at < now() + interval '6 minutes' AS "leased" FROM idempotency_keys WHERE key = 'create-slow'`);
      expect(held).toEqual({ state: 'in-progress', leased: true });
      expectProblem(await createThing(alice.token, { name: 'fast' }, 'create-slow'), 422, 'IDEMPOTENCY.KEY_REUSED');
    } finally {
      things.gate = undefined;
      open();
    }
    const answered = await first;
    expect(answered.status).toBe(201);
    const replayed = await createThing(alice.token, { name: 'slow' }, 'create-slow');
    expect(replayed.body).toEqual(answered.body);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(things.runs).toBe(runs + 1);
  });

  it('keeps keys per caller', async () => {
    const mine = await createThing(alice.token, { name: 'desk' }, 'shared-key');
    const theirs = await createThing(bob.token, { name: 'desk' }, 'shared-key');
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('stores a 4xx answer, but lets the key go after a 5xx so the retry runs again', async () => {
    const runs = things.runs;
    const refused = await createThing(alice.token, { name: '?', fail: 'client' }, 'bad-thing');
    expectProblem(refused, 400, 'THING.INVALID');
    const refusedAgain = await createThing(alice.token, { name: '?', fail: 'client' }, 'bad-thing');
    expectProblem(refusedAgain, 400, 'THING.INVALID');
    expect(refusedAgain.body).toEqual({ ...refused.body, requestId: refusedAgain.body.requestId });
    expect(refusedAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(things.runs).toBe(runs + 1);

    expectProblem(await createThing(alice.token, { name: 'x', fail: 'server' }, 'broken-thing'), 500, 'INTERNAL');
    expectProblem(await createThing(alice.token, { name: 'x', fail: 'server' }, 'broken-thing'), 500, 'INTERNAL');
    expect(things.runs).toBe(runs + 3);
    expect(await db.query(`SELECT 1 FROM idempotency_keys WHERE key = 'broken-thing'`)).toEqual([]);
  });

  it('refuses a malformed key with 400 before running anything', async () => {
    const runs = things.runs;
    for (const key of ['has space', 'a/b', 'x'.repeat(201), '']) {
      const reply = await createThing(alice.token, { name: 'odd' }, key);
      expectProblem(reply, 400, 'VALIDATION.FAILED');
      expect(reply.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    }
    expect((await createThing(alice.token, { name: 'odd' }, 'x'.repeat(200))).status).toBe(201);
    expect(things.runs).toBe(runs + 1);
  });

  it('forgets a key once it expires, and deletes expired keys as new ones come', async () => {
    const first = await createThing(alice.token, { name: 'vase' }, 'create-vase');
    await createThing(alice.token, { name: 'cup' }, 'create-cup');
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key IN ('create-vase', 'create-cup')`);

    const after = await createThing(alice.token, { name: 'vase' }, 'create-vase');
    expect(after.status).toBe(201);
    expect(after.body.id).not.toBe(first.body.id);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(await db.query(`SELECT key FROM idempotency_keys WHERE key = 'create-cup'`)).toEqual([]);
    // The new answer is kept for a full IDEMPOTENCY_TTL (24h by default).
    const [row] = await db.query(`SELECT expires_at > now() + interval '23 hours' AS "fresh" FROM idempotency_keys WHERE key = 'create-vase'`);
    expect(row.fresh).toBe(true);
  });

  describe('on uploads', () => {
    const registered = (recordingId: string) => commands.filter((c) => c.recordingId === recordingId);

    it('answers a retried upload with the first recording, storing nothing twice', async () => {
      const file = mp4Like();
      const first = await call('POST', '/api/v1/recordings', { token: alice.token, form: form(file, 'week 1.mp4', 'Week 1'), key: 'upload-week-1' });
      expect(first.status).toBe(202);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const id = first.body.id;

      const retry = await call('POST', '/api/v1/recordings', { token: alice.token, form: form(file, 'week 1.mp4', 'Week 1'), key: 'upload-week-1' });
      expect(retry.status).toBe(202);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('location')).toBe(`/api/v1/recordings/${id}`);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');

      expect((await store.list(`users/${alice.id}/`)).map((o) => o.key)).toEqual([`users/${alice.id}/recordings/${id}/source.mp4`]);
      expect(quota.asked.filter((q) => q.idempotencyKey === 'upload-week-1')).toHaveLength(1);
      await eventually(() => expect(registered(id)).toHaveLength(1), { timeoutMs: 15_000 });
      expect(commands.filter((c) => c.userId === alice.id)).toHaveLength(1);
      expect((await call('GET', '/api/v1/recordings', { token: alice.token })).body.total).toBe(1);
    });

    it('refuses the key for another file with 422 and keeps nothing of it', async () => {
      const reply = await call('POST', '/api/v1/recordings', { token: alice.token, form: form(mp4Like(), 'week 1.mp4', 'Week 1'), key: 'upload-week-1' });
      expectProblem(reply, 422, 'IDEMPOTENCY.KEY_REUSED');
      const otherTitle = await call('POST', '/api/v1/recordings', { token: alice.token, form: form(mp4Like(), 'week 1.mp4', 'Week one'), key: 'upload-week-1' });
      expectProblem(otherTitle, 422, 'IDEMPOTENCY.KEY_REUSED');
      expect(await store.list(`users/${alice.id}/`)).toHaveLength(1);
      expect(quota.asked.filter((q) => q.idempotencyKey === 'upload-week-1')).toHaveLength(1);
      expect((await call('GET', '/api/v1/recordings', { token: alice.token })).body.total).toBe(1);
    });

    it('makes one recording of two uploads racing with one key', async () => {
      const file = mp4Like();
      const send = () => call('POST', '/api/v1/recordings', { token: bob.token, form: form(file, 'race.mp4'), key: 'upload-race' });
      const [one, two] = await Promise.all([send(), send()]);
      expect([one.status, two.status]).toEqual([202, 202]);
      expect(two.body.id).toBe(one.body.id);
      expect([one, two].map((r) => r.headers.get('idempotent-replayed')).sort()).toEqual(['true', null].sort());

      await eventually(async () => expect((await store.list(`users/${bob.id}/`)).map((o) => o.key)).toEqual([`users/${bob.id}/recordings/${one.body.id}/source.mp4`]));
      await eventually(() => expect(registered(one.body.id)).toHaveLength(1), { timeoutMs: 15_000 });
      expect(commands.filter((c) => c.userId === bob.id)).toHaveLength(1);
      // Both asked quota with the same key, which gives the same reservation: it stays with the recording.
      expect(quota.released.filter((r) => r.userId === bob.id)).toEqual([]);
    });
  });
});
