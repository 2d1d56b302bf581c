import { DataSource } from 'typeorm';
import { MessageBus } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../../testing';
import { poisonServices, type PoisonServices } from './poison-services.fixture';

const RECORDINGS = ['01950000-0000-7000-8000-000000000001', '01950000-0000-7000-8000-000000000002'];
const OTHER = '01950000-0000-7000-8000-000000000003';

describe.each(['amqp', 'postgres'] as const)('dead-letter operations over the %s transport', (transport) => {
  let world: ServiceWorld;
  let db: DataSource;
  let bus: MessageBus;
  let base: string;
  const { call } = httpClient(() => base);
  let admin: Account;
  let alice: Account;
  let poison: PoisonServices;

  beforeAll(async () => {
    world = await createServiceWorld(`gateway_dead_letters_${transport}`, gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', MESSAGING_TRANSPORT: transport }));
    poison = poisonServices();
    await poison.start(world);
    const gateway = await startGateway(world);
    ({ db, base } = gateway);
    bus = gateway.app.get(MessageBus);
    admin = await verifiedUser(gateway.client, db, 'root@example.org', { role: 'admin' });
    alice = await verifiedUser(gateway.client, db, 'alice@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  const parkedCount = async () => (await call('GET', '/api/v1/admin/queues', { token: admin.token })).body.parked;

  it('shows poison messages of two services grouped by fault, replays them once fixed, and each is handled once', async () => {
    for (const id of RECORDINGS) await poison.send(bus, id);
    await eventually(async () => expect(await parkedCount()).toBe(4), { timeoutMs: 15_000 });

    const queues = await call('GET', '/api/v1/admin/queues', { token: admin.token });
    expect(queues.status).toBe(200);
    expect(queues.body.transport).toBe(transport);
    expect(queues.body.queues).toEqual(
      expect.arrayContaining([
        { queue: 'media.trim', depth: 0, error: 2, dlq: 0 },
        { queue: 'transcription.transcribe', depth: 0, error: 2, dlq: 0 },
        expect.objectContaining({ queue: 'gateway.read-model' }),
      ]),
    );

    const groups = await call('GET', '/api/v1/admin/parked/groups', { token: admin.token });
    expect(groups.status).toBe(200);
    expect(groups.body.groups).toHaveLength(2);
    const byQueue = Object.fromEntries(groups.body.groups.map((g: { queue: string }) => [g.queue, g]));
    expect(byQueue['media.trim']).toMatchObject({
      source: 'error',
      type: 'media.recording.trim.v1',
      code: 'MEDIA.FFMPEG_FAILED',
      fingerprint: 'ffmpeg exited with code <n> on <id>',
      count: 2,
    });
    expect(byQueue['transcription.transcribe']).toMatchObject({ code: 'TRANSCRIPTION.PROVIDER_REFUSED', count: 2 });

    const list = await call('GET', '/api/v1/admin/parked?queue=media.trim', { token: admin.token });
    expect(list.body.messages).toHaveLength(2);
    const one = await call('GET', `/api/v1/admin/parked/${list.body.messages[0].id}`, { token: admin.token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      queue: 'media.trim',
      fault: { code: 'MEDIA.FFMPEG_FAILED', consumer: expect.stringContaining('Trimmer'), stack: expect.stringContaining('LeapError') },
      payload: { recordingId: RECORDINGS[0] },
      headers: expect.objectContaining({ 'x-fault-code': 'MEDIA.FFMPEG_FAILED' }),
    });

    // The fault is fixed: one group and then everything else is replayed.
    poison.broken = false;
    const group = await call('POST', '/api/v1/admin/parked/replay', { token: admin.token, json: { group: byQueue['media.trim'].group } });
    expect(group.status).toBe(200);
    expect(group.body).toEqual({ replayed: 2, queues: [{ queue: 'media.trim', source: 'error', count: 2 }] });
    const all = await call('POST', '/api/v1/admin/parked/replay', { token: admin.token, json: { all: true } });
    expect(all.body.replayed).toBe(2);

    await eventually(() => {
      expect([...poison.handled['media.trim']].sort()).toEqual(RECORDINGS);
      expect([...poison.handled['transcription.transcribe']].sort()).toEqual(RECORDINGS);
    }, { timeoutMs: 15_000 });
    expect(await parkedCount()).toBe(0);

    const audit = await call('GET', '/api/v1/admin/audit-log?action=parked.replayed', { token: admin.token });
    expect(audit.body.items.map((e: { targetId: string; changes: { after: { count: number } } }) => [e.targetId, e.changes.after.count]).sort()).toEqual([
      ['all', 2],
      [`group:${byQueue['media.trim'].group}`, 2],
    ]);
    expect(audit.body.items[0].actorEmail).toBe('root@example.org');
  }, 300_000);

  it('replays one message by id, and answers 404 when it is no longer parked', async () => {
    poison.broken = true;
    await poison.send(bus, OTHER);
    await eventually(async () => expect(await parkedCount()).toBe(2), { timeoutMs: 15_000 });
    const [message] = (await call('GET', '/api/v1/admin/parked?queue=transcription.transcribe', { token: admin.token })).body.messages;
    poison.broken = false;
    const replay = await call('POST', '/api/v1/admin/parked/replay', { token: admin.token, json: { ids: [message.id] } });
    expect(replay.body.replayed).toBe(1);
    await eventually(() => expect(poison.handled['transcription.transcribe']).toContain(OTHER), { timeoutMs: 15_000 });
    expectProblem(await call('POST', '/api/v1/admin/parked/replay', { token: admin.token, json: { ids: [message.id] } }), 404, 'PARKED.NOT_FOUND');
    expectProblem(await call('GET', `/api/v1/admin/parked/${message.id}`, { token: admin.token }), 404, 'PARKED.NOT_FOUND');
  }, 300_000);

  it('purges only with the confirmation token it was given, and audits how many went', async () => {
    expect(await parkedCount()).toBe(1);
    const ask = await call('POST', '/api/v1/admin/parked/purge', { token: admin.token, json: { queue: 'media.trim' } });
    expectProblem(ask, 409, 'PARKED.CONFIRMATION_REQUIRED');
    expect(ask.body.count).toBe(1);
    expect(await parkedCount()).toBe(1);

    const otherSelection = await call('POST', '/api/v1/admin/parked/purge', { token: admin.token, json: { all: true, confirm: ask.body.confirm } });
    expectProblem(otherSelection, 409, 'PARKED.CONFIRMATION_INVALID');

    const done = await call('POST', '/api/v1/admin/parked/purge', { token: admin.token, json: { queue: 'media.trim', confirm: ask.body.confirm } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ purged: 1, queues: [{ queue: 'media.trim', source: 'error', count: 1 }] });
    expect(await parkedCount()).toBe(0);
    const audit = await call('GET', '/api/v1/admin/audit-log?action=parked.purged', { token: admin.token });
    expect(audit.body.items).toEqual([expect.objectContaining({ targetId: 'queue:media.trim', changes: expect.objectContaining({ after: expect.objectContaining({ count: 1 }) }) })]);
  }, 300_000);

  it('refuses a selection that names nothing or two things, and everyone but admins', async () => {
    expectProblem(await call('POST', '/api/v1/admin/parked/replay', { token: admin.token, json: {} }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/admin/parked/replay', { token: admin.token, json: { all: true, queue: 'media.trim' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/admin/queues', { token: alice.token }), 403, 'AUTH.ADMIN_REQUIRED');
    expectProblem(await call('POST', '/api/v1/admin/parked/purge', { token: alice.token, json: { all: true } }), 403, 'AUTH.ADMIN_REQUIRED');
  });
});
