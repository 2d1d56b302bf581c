import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { gatewayService } from '@leap/gateway-service';
import { ingestService } from '@leap/ingest-service';
import { quotaService } from '@leap/quota-service';
import { storageService } from '@leap/storage-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, freePort } from '@leap/testing';
import type { Account } from '@leap/gateway-service/testing';
import { ApiClient, HTTP_WORLD_ENV } from './testing/http-api';

const WAIT = { timeoutMs: 30_000, intervalMs: 100 };

/**
 * Bulk operations with the real services on PostgreSQL and RabbitMQ: the gateway (HTTP, read
 * model, selection), ingest (the decisions), storage and quota. The media services are not
 * started, so a fresh upload stays with its trim in progress: work to pause and run again.
 */
describe('bulk run, pause and delete of recordings', () => {
  let world: ServiceWorld;
  let base: string;
  let ingestDb: DataSource;
  let gatewayDb: DataSource;
  let ada: Account;
  let bob: Account;

  const api = new ApiClient(() => base);
  const call = api.call.bind(api);

  const bulk = (who: Account, operation: string, json: unknown, headers?: Record<string, string>) =>
    call('POST', `/api/v1/recordings/bulk/${operation}`, { token: who.token, json, headers });
  const detail = async (who: Account, id: string) => (await call('GET', `/api/v1/recordings/${id}`, { token: who.token })).body;
  const trimOf = async (who: Account, id: string) => (await detail(who, id)).stages.find((s: any) => s.stage === 'TRIM')?.status;

  /** What ingest holds of the recording: whether it is paused, and how many trims it has asked for. */
  async function ingestState(id: string): Promise<{ paused: boolean; trims: number }> {
    const [row] = await ingestDb.query(`SELECT paused FROM recordings WHERE id = $1`, [id]);
    const [sent] = await ingestDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = 'media.recording.trim.v1'`, [id]);
    return { paused: row.paused, trims: sent.n };
  }

  const account = (email: string) => api.account(email);

  /** Uploads a small mp4 and answers its id once its trim is in progress (status PROCESSING). */
  async function upload(who: Account, title: string): Promise<string> {
    const id = await api.uploadMp4(who.token, { title, filename: `${title}.mp4` });
    await eventually(async () => expect(await trimOf(who, id)).toBe('IN_PROGRESS'), WAIT);
    await eventually(async () => expect((await detail(who, id)).status).toBe('PROCESSING'), WAIT);
    return id;
  }

  beforeAll(async () => {
    world = await createServiceWorld('bulk_ops', {
      ...HTTP_WORLD_ENV,
    });
    await world.start(storageService);
    await world.start(quotaService);
    ingestDb = (await world.start(ingestService)).app.get(DataSource);
    const port = await freePort();
    gatewayDb = (await world.start(gatewayService, { http: true, env: { PORT: String(port) } })).app.get(DataSource);
    base = `http://127.0.0.1:${port}`;
    ada = await account('ada@example.org');
    bob = await account('bob@example.org');
  }, 180_000);

  afterAll(() => world?.close());

  it("runs over a filter exactly as its dry run planned, and leaves another tenant's recordings alone", async () => {
    const [a, b, c] = [await upload(ada, 'A'), await upload(ada, 'B'), await upload(ada, 'C')];
    const foreign = await upload(bob, 'Bob');

    const paused = await bulk(ada, 'pause', { ids: [a, b] });
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({
      operation: 'pause',
      dryRun: false,
      matched: 2,
      summary: { accepted: 2, refused: 0, notFound: 0 },
      items: [
        { id: a, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] },
        { id: b, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] },
      ],
    });
    for (const id of [a, b]) await eventually(async () => expect((await detail(ada, id)).status).toBe('DOWNLOADED'), WAIT);
    const before = { a: await ingestState(a), b: await ingestState(b), c: await ingestState(c) };
    const bobs = await ingestState(foreign);
    expect(before.a.paused && before.b.paused && !before.c.paused).toBe(true);

    // The plan: A and B would start their trim again; C already runs.
    const selection = { filters: { status: ['DOWNLOADED', 'PROCESSING'], sort: 'createdAt' } };
    const plan = await bulk(ada, 'run', { ...selection, dryRun: true });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ operation: 'run', dryRun: true, matched: 3, summary: { accepted: 2, refused: 1, notFound: 0 } });
    expect(plan.body.items).toEqual([
      { id: a, outcome: 'accepted', status: 'PROCESSING', stages: ['TRIM'] },
      { id: b, outcome: 'accepted', status: 'PROCESSING', stages: ['TRIM'] },
      { id: c, outcome: 'refused', code: 'INGEST.ALREADY_RUNNING', message: expect.stringContaining(c), status: 'PROCESSING' },
    ]);
    // Nothing changed: still paused, no trim asked for.
    expect({ a: await ingestState(a), b: await ingestState(b), c: await ingestState(c) }).toEqual(before);
    expect((await detail(ada, a)).status).toBe('DOWNLOADED');

    const run = await bulk(ada, 'run', selection);
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ ...plan.body, dryRun: false });
    for (const id of [a, b]) await eventually(async () => expect(await trimOf(ada, id)).toBe('IN_PROGRESS'), WAIT);
    expect(await ingestState(a)).toEqual({ paused: false, trims: before.a.trims + 1 });
    expect(await ingestState(c)).toEqual(before.c);

    // Bob's recording matched the statuses but was never selected nor touched.
    expect(plan.body.items.map((i: any) => i.id)).not.toContain(foreign);
    expect(await ingestState(foreign)).toEqual(bobs);
    expect(bobs.paused).toBe(false);
  }, 180_000);

  it("answers another tenant's and unknown ids as not_found items and never touches them", async () => {
    const own = await upload(ada, 'Own');
    const foreign = await upload(bob, 'Foreign');
    const unknown = randomUUID();
    const bobsBefore = await ingestState(foreign);
    for (const operation of ['pause', 'run', 'delete']) {
      const reply = await bulk(ada, operation, { ids: [foreign, unknown], dryRun: operation === 'delete' });
      expect(reply.status).toBe(200);
      expect(reply.body.items).toEqual([
        { id: foreign, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${foreign}` },
        { id: unknown, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${unknown}` },
      ]);
    }
    const deleted = await bulk(ada, 'delete', { ids: [foreign, own] });
    expect(deleted.body.items).toEqual([
      { id: foreign, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${foreign}` },
      { id: own, outcome: 'accepted', status: 'DELETING' },
    ]);
    await eventually(async () => expect((await detail(ada, own)).deletion?.state).toBe('DELETED'), WAIT);
    expect(await ingestState(foreign)).toEqual(bobsBefore);
    expect(bobsBefore.paused).toBe(false);
    const bobs = await detail(bob, foreign);
    expect({ status: bobs.status, deletion: bobs.deletion ?? null }).toEqual({ status: 'PROCESSING', deletion: null });
  }, 120_000);

  it('deletes in bulk: a dry run plans and changes nothing, the real call deletes softly', async () => {
    const id = await upload(ada, 'To delete');
    const plan = await bulk(ada, 'delete', { ids: [id], dryRun: true });
    expect(plan.body).toEqual({ operation: 'delete', dryRun: true, matched: 1, summary: { accepted: 1, refused: 0, notFound: 0 }, items: [{ id, outcome: 'accepted', status: 'DELETING' }] });
    expect((await detail(ada, id)).status).toBe('PROCESSING');
    const done = await bulk(ada, 'delete', { ids: [id] });
    expect(done.body).toEqual({ ...plan.body, dryRun: false });
    await eventually(async () => expect((await detail(ada, id)).deletion?.state).toBe('DELETED'), WAIT);
    const listed = (await call('GET', '/api/v1/recordings?pageSize=100', { token: ada.token })).body.items.map((r: any) => r.id);
    expect(listed).not.toContain(id);
  }, 120_000);

  it('replays the first answer for a repeated Idempotency-Key', async () => {
    const id = await upload(ada, 'Idempotent');
    const key = `bulk-pause-${randomUUID()}`;
    const first = await bulk(ada, 'pause', { ids: [id] }, { 'idempotency-key': key });
    expect(first.body.items).toEqual([{ id, outcome: 'accepted', status: 'DOWNLOADED', stages: ['TRIM'] }]);
    const replay = await bulk(ada, 'pause', { ids: [id] }, { 'idempotency-key': key });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: first.status, body: first.body });
    // Without the key the pause is asked again, and ingest has nothing left to pause.
    const again = await bulk(ada, 'pause', { ids: [id] });
    expect(again.body.items).toEqual([{ id, outcome: 'refused', code: 'INGEST.NOTHING_TO_PAUSE', message: expect.any(String), status: 'DOWNLOADED' }]);
  }, 120_000);

  it('refuses beyond the limits with 422 and a malformed selection with 400, having done nothing', async () => {
    const ids = Array.from({ length: 201 }, () => randomUUID());
    const tooMany = await bulk(ada, 'pause', { ids });
    expect({ status: tooMany.status, code: tooMany.body.code, max: tooMany.body.max }).toEqual({ status: 422, code: 'BULK.LIMIT_EXCEEDED', max: 200 });
    const tooFar = await bulk(ada, 'run', { filters: {}, limit: 201 });
    expect({ status: tooFar.status, code: tooFar.body.code }).toEqual({ status: 422, code: 'BULK.LIMIT_EXCEEDED' });
    const ok = await bulk(ada, 'pause', { ids: ids.slice(0, 200), dryRun: true });
    expect({ status: ok.status, notFound: ok.body.summary?.notFound }).toEqual({ status: 200, notFound: 200 });
    for (const body of [{}, { ids: [] }, { ids: ['nope'] }, { ids: [randomUUID()], filters: {} }, { ids: [randomUUID()], limit: 5 }, { filters: { status: ['NOPE'] } }]) {
      const reply = await bulk(ada, 'delete', body);
      expect({ body, status: reply.status, code: reply.body.code }).toEqual({ body, status: 400, code: 'VALIDATION.FAILED' });
    }
  }, 60_000);

  it('guards bulk run with the process feature flag, as the single run', async () => {
    const carol = await account('carol@example.org');
    await gatewayDb.query(`UPDATE users SET can_process = false WHERE id = $1`, [carol.id]);
    await eventually(async () => {
      const reply = await bulk(carol, 'run', { filters: {} });
      expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: 'FEATURE.DISABLED' });
    }, WAIT);
    const pause = await bulk(carol, 'pause', { filters: {} });
    expect(pause.body).toMatchObject({ operation: 'pause', matched: 0, items: [] });
  }, 60_000);
});
