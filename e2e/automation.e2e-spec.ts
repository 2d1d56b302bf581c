import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ingestService } from '@leap/ingest-service';
import { quotaService } from '@leap/quota-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, FakeMediaServer } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

const HOUR = 3_600_000;

/** The wall clock of an instant in a time zone: weekday (0 = Monday), hour and minute. */
function wallClock(iso: string, timeZone: string): { weekday: number; time: string; hour: number; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!);
  return { weekday, time: `${parts.hour}:${parts.minute}`, hour: Number(parts.hour), minute: Number(parts.minute) };
}

/**
 * `/api/v1/automation/jobs` through the gateway with the real ingest and quota on the real broker
 * and database: jobs with each kind of schedule in several time zones, lists, changes, copies and
 * deletions; the plan's limits read from quota (and ingest's settings for a user without a plan);
 * a manual run whose history shows what it synced (a VIDEO_URL source through the real yt-dlp);
 * a dry run that changes no row; and another tenant's job answered as a 404.
 */
describe('automation jobs over HTTP', () => {
  let world: ServiceWorld;
  let media: FakeMediaServer;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let ingestDb: DataSource;
  let quotaDb: DataSource;
  let gatewayDb: DataSource;

  beforeAll(async () => {
    media = await new FakeMediaServer().start();
    world = await createServiceWorld('automation_http', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const ingest = await world.start(ingestService, {
      env: {
        INGEST_DOWNLOAD_DIR: await world.tempDir('downloads'),
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
        // Users without a plan: three jobs, two hours apart at least.
        AUTOMATION_MAX_JOBS: '3',
        AUTOMATION_MIN_INTERVAL: '2h',
      },
    });
    ingestDb = ingest.app.get(DataSource);
    quotaDb = (await world.start(quotaService)).app.get(DataSource);
    const gateway = await startGateway(world);
    base = gateway.base;
    gatewayDb = gateway.db;
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await media?.close();
  });

  let n = 0;
  const user = async (): Promise<Account> => verifiedUser(client, gatewayDb, `user${++n}@example.org`);
  const subscribe = (account: Account, plan: string, overrides: { jobs?: number | null; minIntervalHours?: number | null } = {}) =>
    quotaDb.query(
      `INSERT INTO subscriptions (user_id, plan_name, custom_automation_jobs, custom_min_automation_interval_hours) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET plan_name = $2, custom_automation_jobs = $3, custom_min_automation_interval_hours = $4`,
      [account.id, plan, overrides.jobs ?? null, overrides.minIntervalHours ?? null],
    );
  const daily = (time = '06:00', timezone = 'UTC') => ({ type: 'time_of_day', time, timezone });

  it('creates jobs with each kind of schedule and time zone, their next fire in UTC', async () => {
    const alice = await user();
    await subscribe(alice, 'enterprise');
    const before = Date.now();
    const created = await call('POST', '/api/v1/automation/jobs', {
      token: alice.token,
      json: { name: 'Morning sync', description: 'Lectures of the night', schedule: { type: 'time_of_day', time: '06:00', timezone: 'Europe/Berlin' }, syncDays: 3 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Morning sync',
      description: 'Lectures of the night',
      sources: { ids: [], platforms: [] },
      templateId: null,
      autoRun: false,
      syncDays: 3,
      schedule: { type: 'time_of_day', time: '06:00', timezone: 'Europe/Berlin' },
      isActive: true,
      nextRunAt: expect.stringMatching(/Z$/),
      lastRunAt: null,
      runCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      processingConfig: {},
    });
    const next = (body: { nextRunAt: string }) => Date.parse(body.nextRunAt);
    // 06:00 in Berlin, within the coming day.
    expect(wallClock(created.body.nextRunAt, 'Europe/Berlin').time).toBe('06:00');
    expect(next(created.body)).toBeGreaterThan(before);
    expect(next(created.body) - before).toBeLessThanOrEqual(24 * HOUR);

    // timeOfDay is taken for time_of_day; the time zone defaults to Europe/Moscow.
    // A processing config is kept for the recordings the job brings in, checked like a template's.
    const processingConfig = { transcription: { language: 'ru' }, trimming: { enableTrimming: false } };
    const moscow = await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Moscow', processingConfig, schedule: { type: 'timeOfDay', time: '23:30' } } });
    expect(moscow.status).toBe(201);
    expect(moscow.body.processingConfig).toEqual(processingConfig);
    const badConfig = await call('PATCH', `/api/v1/automation/jobs/${moscow.body.id}`, { token: alice.token, json: { processingConfig: { trimming: { silenceThreshold: 5 } } } });
    expect({ status: badConfig.status, code: badConfig.body.code }).toEqual({ status: 422, code: 'AUTOMATION.INVALID' });
    expect(badConfig.body.detail).toContain('processingConfig.trimming.silenceThreshold');
    expect((await call('GET', `/api/v1/automation/jobs/${moscow.body.id}`, { token: alice.token })).body.processingConfig).toEqual(processingConfig);
    expect(moscow.body.schedule).toEqual({ type: 'time_of_day', time: '23:30', timezone: 'Europe/Moscow' });
    expect(wallClock(moscow.body.nextRunAt, 'Europe/Moscow').time).toBe('23:30');

    const tokyo = await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Tokyo every 6 h', schedule: { type: 'hours', hours: 6, timezone: 'Asia/Tokyo' } } });
    expect(tokyo.status).toBe(201);
    const tokyoClock = wallClock(tokyo.body.nextRunAt, 'Asia/Tokyo');
    expect({ onTheHour: tokyoClock.minute, everySixth: tokyoClock.hour % 6 }).toEqual({ onTheHour: 0, everySixth: 0 });
    expect(next(tokyo.body) - before).toBeLessThanOrEqual(6 * HOUR);

    const weekdays = await call('POST', '/api/v1/automation/jobs', {
      token: alice.token,
      json: { name: 'Tue and Thu', isActive: true, schedule: { type: 'weekdays', days: [3, 1], time: '18:15', timezone: 'America/New_York' } },
    });
    expect(weekdays.status).toBe(201);
    expect(weekdays.body.schedule).toEqual({ type: 'weekdays', days: [1, 3], time: '18:15', timezone: 'America/New_York' });
    const nyClock = wallClock(weekdays.body.nextRunAt, 'America/New_York');
    expect(nyClock.time).toBe('18:15');
    expect([1, 3]).toContain(nyClock.weekday);
    expect(next(weekdays.body) - before).toBeLessThanOrEqual(7 * 24 * HOUR);

    const cron = await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Cron', schedule: { type: 'cron', expression: '30 9 * * 1-5', timezone: 'Asia/Kolkata' } } });
    expect(cron.status).toBe(201);
    const kolkata = wallClock(cron.body.nextRunAt, 'Asia/Kolkata');
    expect(kolkata.time).toBe('09:30');
    expect(kolkata.weekday).toBeLessThan(5);

    // The shape is the gateway's (400); the content is ingest's (422), each with its code.
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'X1', schedule: daily(), colour: 'red' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'No schedule' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Mars', schedule: daily('06:00', 'Mars/Olympus') } }), 422, 'AUTOMATION.INVALID_SCHEDULE');
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Late', schedule: daily('25:00') } }), 422, 'AUTOMATION.INVALID_SCHEDULE');
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Ab', schedule: daily() } }), 422, 'AUTOMATION.INVALID');
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Far back', syncDays: 31, schedule: daily() } }), 422, 'AUTOMATION.INVALID');
    expectProblem(await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Morning sync', schedule: daily() } }), 409, 'AUTOMATION.DUPLICATE');
    expectProblem(
      await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Nowhere', sources: { ids: ['01900000-0000-7000-8000-000000000001'] }, schedule: daily() } }),
      422,
      'SOURCE.NOT_FOUND',
    );
  });

  it('lists with search, filter, sort and pages; changes, copies (inactive) and deletes; another tenant sees none of it', async () => {
    const alice = await user();
    const bob = await user();
    await subscribe(alice, 'enterprise');
    const names = ['Physics weekly', 'Chemistry daily', 'Physics lab', 'Biology'];
    const ids: string[] = [];
    for (const name of names) {
      const job = await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name, schedule: daily(), isActive: name !== 'Biology' } });
      expect(job.status).toBe(201);
      ids.push(job.body.id);
    }
    const list = async (query: string, token = alice.token) => {
      const reply = await call('GET', `/api/v1/automation/jobs${query}`, { token });
      expect(reply.status).toBe(200);
      return reply.body;
    };
    // Newest first by default.
    const all = await list('');
    expect(all).toMatchObject({ page: 1, pageSize: 20, total: 4, totalPages: 1 });
    expect(all.items.map((j: { name: string }) => j.name)).toEqual([...names].reverse());
    const second = await list('?pageSize=3&page=2');
    expect(second).toMatchObject({ page: 2, pageSize: 3, total: 4, totalPages: 2 });
    expect(second.items.map((j: { name: string }) => j.name)).toEqual(['Physics weekly']);
    expect((await list('?search=physics&sort=name')).items.map((j: { name: string }) => j.name)).toEqual(['Physics lab', 'Physics weekly']);
    expect((await list('?isActive=false')).items.map((j: { name: string }) => j.name)).toEqual(['Biology']);
    expect((await list('?sort=-name&pageSize=2')).items.map((j: { name: string }) => j.name)).toEqual(['Physics weekly', 'Physics lab']);
    expectProblem(await call('GET', '/api/v1/automation/jobs?sort=colour', { token: alice.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/automation/jobs?pageSize=101', { token: alice.token }), 400, 'VALIDATION.FAILED');
    expect(await list('', bob.token)).toMatchObject({ items: [], total: 0 });

    // A change of schedule moves the next fire; other fields keep it.
    const [physics] = ids;
    const original = (await call('GET', `/api/v1/automation/jobs/${physics}`, { token: alice.token })).body;
    const renamed = await call('PATCH', `/api/v1/automation/jobs/${physics}`, { token: alice.token, json: { name: 'Physics weekly (new)', autoRun: true } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Physics weekly (new)', autoRun: true, nextRunAt: original.nextRunAt, schedule: original.schedule });
    const moved = await call('PATCH', `/api/v1/automation/jobs/${physics}`, { token: alice.token, json: { schedule: daily('21:45', 'Australia/Sydney') } });
    expect(moved.status).toBe(200);
    expect(wallClock(moved.body.nextRunAt, 'Australia/Sydney').time).toBe('21:45');
    expectProblem(await call('PATCH', `/api/v1/automation/jobs/${physics}`, { token: alice.token, json: { name: 'Physics lab' } }), 409, 'AUTOMATION.DUPLICATE');
    expectProblem(await call('PATCH', `/api/v1/automation/jobs/${physics}`, { token: alice.token, json: { syncDays: 0 } }), 422, 'AUTOMATION.INVALID');

    const copy = await call('POST', `/api/v1/automation/jobs/${physics}/copy`, { token: alice.token });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Physics weekly (new) (copy)', isActive: false, nextRunAt: null, runCount: 0, autoRun: true, schedule: moved.body.schedule });
    expect(copy.body.id).not.toBe(physics);
    expect((await call('POST', `/api/v1/automation/jobs/${physics}/copy`, { token: alice.token })).body.name).toBe('Physics weekly (new) (copy 2)');
    // Turning the copy on schedules it.
    const on = await call('PATCH', `/api/v1/automation/jobs/${copy.body.id}`, { token: alice.token, json: { isActive: true } });
    expect(on.body).toMatchObject({ isActive: true, nextRunAt: moved.body.nextRunAt });

    // Another tenant: a 404 on every route, and nothing of alice's changes.
    for (const [method, path, json] of [
      ['GET', `/api/v1/automation/jobs/${physics}`],
      ['PATCH', `/api/v1/automation/jobs/${physics}`, { name: 'Mine now' }],
      ['PATCH', `/api/v1/automation/jobs/${physics}`, { schedule: daily() }],
      ['DELETE', `/api/v1/automation/jobs/${physics}`],
      ['GET', `/api/v1/automation/jobs/${physics}/runs`],
      ['POST', `/api/v1/automation/jobs/${physics}/copy`],
      ['POST', `/api/v1/automation/jobs/${physics}/run`],
      ['POST', `/api/v1/automation/jobs/${physics}/run?dryRun=true`],
    ] as const) {
      expectProblem(await call(method, path, { token: bob.token, json }), 404, 'AUTOMATION.NOT_FOUND');
    }
    expect((await call('GET', `/api/v1/automation/jobs/${physics}`, { token: alice.token })).body).toMatchObject({ name: 'Physics weekly (new)', runCount: 0 });
    expect(await list('', bob.token)).toMatchObject({ total: 0 });

    expect((await call('DELETE', `/api/v1/automation/jobs/${physics}`, { token: alice.token })).status).toBe(204);
    expectProblem(await call('GET', `/api/v1/automation/jobs/${physics}`, { token: alice.token }), 404, 'AUTOMATION.NOT_FOUND');
    expectProblem(await call('DELETE', `/api/v1/automation/jobs/${physics}`, { token: alice.token }), 404, 'AUTOMATION.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/automation/jobs/not-an-id', { token: alice.token }), 404, 'AUTOMATION.NOT_FOUND');
    expect((await list('')).total).toBe(5);
  });

  it("holds a user to their plan's limits from quota, overrides included, and a user without a plan to ingest's settings", async () => {
    const create = (account: Account, name: string, schedule: object = daily()) => call('POST', '/api/v1/automation/jobs', { token: account.token, json: { name, schedule } });

    // No plan: AUTOMATION_MAX_JOBS (3) and AUTOMATION_MIN_INTERVAL (2 h).
    const planless = await user();
    const tooOften = await create(planless, 'Hourly', { type: 'hours', hours: 1, timezone: 'UTC' });
    expectProblem(tooOften, 422, 'AUTOMATION.INTERVAL_TOO_SHORT');
    expect(tooOften.body.detail).toContain('at least 2 h');
    expect((await create(planless, 'Every 2 h', { type: 'hours', hours: 2, timezone: 'UTC' })).status).toBe(201);
    expect((await create(planless, 'Second')).status).toBe(201);
    const third = await create(planless, 'Third');
    expect(third.status).toBe(201);
    const full = await create(planless, 'Fourth');
    expectProblem(full, 409, 'AUTOMATION.LIMIT_REACHED');
    expect(full.body.detail).toBe('Your plan allows 3 automation jobs and you have 3');
    expectProblem(await call('POST', `/api/v1/automation/jobs/${third.body.id}/copy`, { token: planless.token }), 409, 'AUTOMATION.LIMIT_REACHED');

    // The free plan: one job, 24 h apart at least (stricter than the settings on both counts).
    const free = await user();
    await subscribe(free, 'free');
    expectProblem(await create(free, 'Twice a day', { type: 'hours', hours: 12, timezone: 'UTC' }), 422, 'AUTOMATION.INTERVAL_TOO_SHORT');
    // A cron expression that fires twice on Mondays only is caught too, whatever day it is now.
    expectProblem(await create(free, 'Monday twice', { type: 'cron', expression: '0 9,10 * * 1', timezone: 'UTC' }), 422, 'AUTOMATION.INTERVAL_TOO_SHORT');
    const only = await create(free, 'Daily');
    expect(only.status).toBe(201);
    expectProblem(await create(free, 'Another daily'), 409, 'AUTOMATION.LIMIT_REACHED');
    expectProblem(await call('POST', `/api/v1/automation/jobs/${only.body.id}/copy`, { token: free.token }), 409, 'AUTOMATION.LIMIT_REACHED');
    expectProblem(await call('PATCH', `/api/v1/automation/jobs/${only.body.id}`, { token: free.token, json: { schedule: { type: 'hours', hours: 6, timezone: 'UTC' } } }), 422, 'AUTOMATION.INTERVAL_TOO_SHORT');

    // Overrides win over the plan: two jobs, an hour apart.
    await subscribe(free, 'free', { jobs: 2, minIntervalHours: 1 });
    const copy = await call('POST', `/api/v1/automation/jobs/${only.body.id}/copy`, { token: free.token });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Daily (copy)', isActive: false });
    const hourly = await call('PATCH', `/api/v1/automation/jobs/${copy.body.id}`, { token: free.token, json: { schedule: { type: 'hours', hours: 1, timezone: 'UTC' }, isActive: true } });
    expect(hourly.status).toBe(200);
    expectProblem(await create(free, 'Third'), 409, 'AUTOMATION.LIMIT_REACHED');
    // An override of 0 means none, not the plan's value.
    await subscribe(free, 'plus', { jobs: 0 });
    const none = await create(free, 'Zero');
    expectProblem(none, 409, 'AUTOMATION.LIMIT_REACHED');
    expect(none.body.detail).toBe('Your plan allows 0 automation jobs and you have 2');
    // A plan without limits: as many as wanted, as often as wanted (every minute).
    await subscribe(free, 'enterprise');
    for (const name of ['Minutely 1', 'Minutely 2', 'Minutely 3', 'Minutely 4']) expect((await create(free, name, { type: 'cron', expression: '* * * * *', timezone: 'UTC' })).status).toBe(201);
    expect((await call('GET', '/api/v1/automation/jobs', { token: free.token })).body.total).toBe(6);
  });

  it('runs a job by hand, its history at /runs with what it synced, and dry-runs it without changing a row', async () => {
    const alice = await user();
    const url = media.serve('/weekly-lecture.mp4', { body: Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(4096)]), contentType: 'video/mp4', etag: '"weekly"' });
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Weekly lecture', platform: 'VIDEO_URL', config: { url } } });
    expect(source.status).toBe(201);
    const job = await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Lectures', sources: { ids: [source.body.id] }, isActive: false, schedule: daily() } });
    expect(job.status).toBe(201);
    const id = job.body.id as string;

    const runs = (query = '') =>
      eventually(
        async () => {
          const page = await call('GET', `/api/v1/automation/jobs/${id}/runs${query}`, { token: alice.token });
          expect(page.status).toBe(200);
          expect(page.body.items.every((r: { status: string }) => r.status !== 'RUNNING')).toBe(true);
          return page.body;
        },
        { timeoutMs: 90_000 },
      );

    // An inactive job runs by hand: the recording comes in, bound to no template, not started.
    const started = await call('POST', `/api/v1/automation/jobs/${id}/run`, { token: alice.token });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: expect.any(String), jobId: id, trigger: 'MANUAL', dueAt: null, sources: 1 });
    const first = await runs();
    expect(first).toMatchObject({ total: 1, page: 1, pageSize: 20, totalPages: 1 });
    expect(first.items[0]).toMatchObject({ id: started.body.id, status: 'SUCCEEDED', sources: 1, synced: 1, failed: 0, found: 1, new: 1, matched: 0, started: 0, skipped: 0, finishedAt: expect.any(String) });
    expect((await call('GET', `/api/v1/automation/jobs/${id}`, { token: alice.token })).body).toMatchObject({ runCount: 1, lastRunAt: expect.any(String), isActive: false });

    // Bound to a template and started from now on: a dry run says what a run would do, and changes nothing.
    const template = await call('POST', '/api/v1/templates', { token: alice.token, json: { name: 'Lectures' } });
    expect(template.status).toBe(201);
    expect((await call('PATCH', `/api/v1/automation/jobs/${id}`, { token: alice.token, json: { templateId: template.body.id, autoRun: true } })).status).toBe(200);
    const tables = ['recordings', 'recording_sources', 'source_syncs', 'automation_job_runs', 'automation_jobs', 'templates'];
    const snapshot = async () => {
      const rows: Record<string, unknown> = {};
      for (const table of tables) rows[table] = (await ingestDb.query(`SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) AS h, COUNT(*)::int AS n FROM ${table} t`))[0];
      rows.syncCommands = (await ingestDb.query(`SELECT COUNT(*)::int AS n FROM outbox WHERE routing_key = 'ingest.source.sync.v1'`))[0].n;
      return rows;
    };
    const before = await snapshot();
    const dry = await call('POST', `/api/v1/automation/jobs/${id}/run?dryRun=true`, { token: alice.token });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ dryRun: true, sources: 1, recordings: 1, matched: 1, started: 1 });
    const dryByBody = await call('POST', `/api/v1/automation/jobs/${id}/run`, { token: alice.token, json: { dryRun: true } });
    expect({ status: dryByBody.status, body: dryByBody.body }).toEqual({ status: 200, body: dry.body });
    expect(await snapshot()).toEqual(before);
    expect((await runs()).total).toBe(1);

    // A second manual run finds the item unchanged.
    const again = await call('POST', `/api/v1/automation/jobs/${id}/run`, { token: alice.token, json: { dryRun: false } });
    expect(again.status).toBe(202);
    const second = await runs();
    expect(second.total).toBe(2);
    expect(second.items.map((r: { id: string }) => r.id)).toEqual([again.body.id, started.body.id]);
    expect(second.items[0]).toMatchObject({ trigger: 'MANUAL', status: 'SUCCEEDED', synced: 1, new: 0, skipped: 1 });
    const paged = await runs('?pageSize=1&page=2');
    expect(paged).toMatchObject({ total: 2, totalPages: 2, items: [{ id: started.body.id }] });
    expect((await call('GET', `/api/v1/automation/jobs/${id}`, { token: alice.token })).body).toMatchObject({ runCount: 2 });
  });
});
