import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, type ConfigResolved, type TemplateSaved } from '@leap/contracts';
import { LeapError, MessageBus, newMessageId } from '@leap/messaging';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, FakeMediaServer } from '@leap/testing';
import { Clock } from '../clock.service';
import { ingestService } from '../service';
import { AutomationScheduler } from './automation.scheduler';
import { AutomationService, type AutomationRunView } from './automation.service';

const MINUTE = 60_000;

/**
 * Automation jobs in two real ingest processes on one database and one broker, each polling for
 * due jobs, with time driven through ingest's injectable clock (the same instant in both): a job
 * every minute fires once per minute, its runs sync a VIDEO_URL source (no credential) through
 * the real yt-dlp as durable sync jobs, and their counts make up the history. A dry run is counted
 * and changes no row; a fire missed while no replica ran fires once on start.
 */
describe('automation jobs fired by two ingest replicas', () => {
  let media: FakeMediaServer;
  let world: ServiceWorld;
  let a: RunningService;
  let b: RunningService;
  let db: DataSource;
  let automation: AutomationService;
  let now = Math.floor(Date.now() / MINUTE) * MINUTE + 30_000;

  beforeAll(async () => {
    media = await new FakeMediaServer().start();
    world = await createServiceWorld('ingest_automation', {
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      RETENTION_SWEEP_INTERVAL: '0ms',
      STUCK_SWEEP_INTERVAL: '0ms',
      JOBS_LEASE: '2s',
      SHUTDOWN_TIMEOUT_MS: '500',
      AUTOMATION_POLL_INTERVAL: '50ms',
      AUTOMATION_MIN_INTERVAL: '1m',
      AUTOMATION_MAX_JOBS: '3',
    });
    world.env.INGEST_DOWNLOAD_DIR = await world.tempDir('downloads');
    a = await world.start(ingestService);
    b = await world.start(ingestService);
    // Both replicas read the test's instant.
    for (const replica of [a, b]) replica.app.get(Clock).now = () => new Date(now);
    db = a.app.get(DataSource);
    automation = a.app.get(AutomationService);
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    await media?.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params))[0].n);

  async function refusal(work: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
    try {
      await work;
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status, message: error.message };
      throw error;
    }
    throw new Error('not refused');
  }

  /** A VIDEO_URL source (no credential) over one file of the fake media server. */
  async function videoSource(userId: string, name: string): Promise<string> {
    const url = media.serve(`/${name}.mp4`, { body: Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(4096)]), contentType: 'video/mp4', etag: `"${name}"` });
    const id = newMessageId();
    await db.query(`INSERT INTO input_sources (id, user_id, name, platform, config) VALUES ($1, $2, $3, 'VIDEO_URL', $4)`, [id, userId, name, JSON.stringify({ url })]);
    return id;
  }

  async function template(userId: string, name: string): Promise<string> {
    const bus = a.app.get(MessageBus);
    const saved = (await bus.request(MESSAGE_TYPES.ingest.SaveTemplate as never, { userId, fields: { name }, autoRematch: false } as never, { tenant: userId, timeoutMs: 15_000 })) as TemplateSaved;
    return saved.template!.id;
  }

  const finishedRuns = (userId: string, jobId: string, n: number) =>
    eventually(
      async () => {
        const runs = await automation.runs(userId, jobId);
        expect(runs).toHaveLength(n);
        expect(runs.every((r) => r.status !== 'RUNNING')).toBe(true);
        return runs;
      },
      { timeoutMs: 60_000 },
    );

  it('fires a job every minute exactly once per minute for three minutes, and its history shows what it synced, matched and started', async () => {
    const userId = `user-${newMessageId()}`;
    const sourceId = await videoSource(userId, 'weekly-lecture');
    const templateId = await template(userId, 'Lectures');
    const created = now;
    const job = await automation.create(userId, {
      name: 'Every minute',
      sources: { ids: [sourceId] },
      templateId,
      autoRun: true,
      schedule: { type: 'cron', expression: '* * * * *', timezone: 'UTC' },
    });
    const firstDue = Math.floor(created / MINUTE) * MINUTE + MINUTE;
    expect(job).toMatchObject({ nextRunAt: new Date(firstDue).toISOString(), isActive: true, runCount: 0 });

    for (let minute = 1; minute <= 3; minute += 1) {
      now = firstDue + (minute - 1) * MINUTE + 5_000;
      await finishedRuns(userId, job.id, minute);
    }
    // Nothing else is due: both replicas, polling at once, fire nothing more.
    expect(await Promise.all([a.app.get(AutomationScheduler).poll(), b.app.get(AutomationScheduler).poll()])).toEqual([0, 0]);

    const runs = await automation.runs(userId, job.id);
    expect(runs.map((r) => r.dueAt)).toEqual([2, 1, 0].map((k) => new Date(firstDue + k * MINUTE).toISOString()));
    expect(await count(`SELECT COUNT(*) AS n FROM automation_job_runs WHERE job_id = $1`, [job.id])).toBe(3);
    const counts = (r: AutomationRunView) => ({ trigger: r.trigger, status: r.status, sources: r.sources, synced: r.synced, new: r.new, matched: r.matched, started: r.started, skipped: r.skipped });
    expect(runs.map(counts)).toEqual([
      { trigger: 'SCHEDULE', status: 'SUCCEEDED', sources: 1, synced: 1, new: 0, matched: 0, started: 0, skipped: 1 },
      { trigger: 'SCHEDULE', status: 'SUCCEEDED', sources: 1, synced: 1, new: 0, matched: 0, started: 0, skipped: 1 },
      { trigger: 'SCHEDULE', status: 'SUCCEEDED', sources: 1, synced: 1, new: 1, matched: 1, started: 1, skipped: 0 },
    ]);
    const recordings = await db.query(`SELECT template_id AS "templateId", pipeline_started_at AS "startedAt" FROM recordings WHERE user_id = $1`, [userId]);
    expect(recordings).toEqual([{ templateId, startedAt: expect.any(Date) }]);
    expect(await automation.get(userId, job.id)).toMatchObject({ runCount: 3, lastRunAt: new Date(now).toISOString(), nextRunAt: new Date(firstDue + 3 * MINUTE).toISOString() });

    // A manual run: now, counted, the schedule left as it was.
    const manual = await automation.run(userId, job.id);
    expect(manual).toMatchObject({ trigger: 'MANUAL', dueAt: null, sources: 1 });
    expect((await finishedRuns(userId, job.id, 4))[0]).toMatchObject({ id: manual.id, status: 'SUCCEEDED', synced: 1, new: 0, skipped: 1 });
    expect(await automation.get(userId, job.id)).toMatchObject({ runCount: 4, nextRunAt: new Date(firstDue + 3 * MINUTE).toISOString() });
    await automation.update(userId, job.id, { isActive: false });
  }, 120_000);

  it('counts in a dry run what a run would sync, match and start, and changes no row', async () => {
    const userId = `user-${newMessageId()}`;
    await videoSource(userId, 'seminar');
    const job = await automation.create(userId, { name: 'Seminars', sources: { platforms: ['VIDEO_URL'] }, isActive: false, schedule: { type: 'time_of_day', time: '06:00', timezone: 'Europe/Berlin' } });
    expect(job).toMatchObject({ sources: { ids: [], platforms: ['VIDEO_URL'] }, autoRun: false, templateId: null });
    // A first (manual) run brings the recording in, unbound (the user has no template) and not started.
    await automation.run(userId, job.id);
    expect((await finishedRuns(userId, job.id, 1))[0]).toMatchObject({ status: 'SUCCEEDED', new: 1, matched: 0, started: 0 });
    const templateId = await template(userId, 'Seminars');
    await automation.update(userId, job.id, { templateId, autoRun: true });

    const tables = ['recordings', 'recording_sources', 'source_syncs', 'automation_job_runs', 'automation_jobs', 'templates', 'outbox'];
    const snapshot = async () => {
      const rows: Record<string, unknown> = {};
      for (const table of tables) rows[table] = (await db.query(`SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) AS h, COUNT(*) AS n FROM ${table} t`))[0];
      return rows;
    };
    const before = await snapshot();
    expect(await automation.dryRun(userId, job.id)).toEqual({ dryRun: true, sources: 1, recordings: 1, matched: 1, started: 1 });
    expect(await snapshot()).toEqual(before);
    expect(await count(`SELECT COUNT(*) AS n FROM recordings WHERE user_id = $1 AND template_id IS NULL AND pipeline_started_at IS NULL`, [userId])).toBe(1);
  }, 120_000);

  it("gives the recordings its syncs bring in the job's processing config as their manual override, checked like a template's", async () => {
    const userId = `user-${newMessageId()}`;
    await videoSource(userId, 'colloquium');
    const processingConfig = { trimming: { enableTrimming: false }, transcription: { language: 'de' } };
    const job = await automation.create(userId, {
      name: 'Colloquia',
      sources: { platforms: ['VIDEO_URL'] },
      isActive: false,
      processingConfig,
      schedule: { type: 'time_of_day', time: '06:00', timezone: 'UTC' },
    });
    expect(job.processingConfig).toEqual(processingConfig);
    expect((await automation.copy(userId, job.id)).processingConfig).toEqual(processingConfig);

    await automation.run(userId, job.id);
    expect((await finishedRuns(userId, job.id, 1))[0]).toMatchObject({ status: 'SUCCEEDED', new: 1 });
    const [{ id }] = await db.query(`SELECT id FROM recordings WHERE user_id = $1`, [userId]);
    const bus = a.app.get(MessageBus);
    const resolved = (await bus.request(MESSAGE_TYPES.ingest.ResolveConfig as never, { userId, recordingId: id } as never, { tenant: userId, timeoutMs: 15_000 })) as ConfigResolved;
    expect(resolved.effective).toMatchObject({ processing: { trimming: { enableTrimming: false, audioDetection: true }, transcription: { language: 'de' } } });
    expect(resolved.sources).toMatchObject({ 'processing.trimming.enableTrimming': 'manual_override', 'processing.transcription.language': 'manual_override' });
    expect(resolved.layers!.at(-1)).toMatchObject({ name: 'manual_override', config: { processing: processingConfig }, run: true });

    // Refused like a template's config, each field named; null clears it.
    const refused = await refusal(automation.update(userId, job.id, { processingConfig: { trimming: { enableTrimming: 'off' }, colour: 'red' } }));
    expect(refused).toMatchObject({ code: 'AUTOMATION.INVALID', status: 422 });
    expect(refused.message).toContain('processingConfig.trimming.enableTrimming');
    expect(refused.message).toContain('colour');
    expect((await automation.update(userId, job.id, { processingConfig: null })).processingConfig).toEqual({});
  }, 120_000);

  it('enforces the maximum number of jobs (409) and the minimum interval (422), and refuses a bad schedule', async () => {
    const userId = `user-${newMessageId()}`;
    const schedule = { type: 'hours', hours: 1, timezone: 'UTC' };
    expect(await refusal(automation.create(userId, { name: 'Too often', schedule: { type: 'cron', expression: '*/30 * * * * *', timezone: 'UTC' } }))).toMatchObject({
      code: 'AUTOMATION.INTERVAL_TOO_SHORT',
      status: 422,
      message: expect.stringContaining('allows at least 1 min between runs'),
    });
    expect(await refusal(automation.create(userId, { name: 'Nowhere', schedule: { type: 'weekly' } }))).toMatchObject({ code: 'AUTOMATION.INVALID_SCHEDULE', status: 422 });
    const first = await automation.create(userId, { name: 'One', schedule });
    expect(await refusal(automation.create(userId, { name: 'One', schedule }))).toMatchObject({ code: 'AUTOMATION.DUPLICATE', status: 409 });
    const copy = await automation.copy(userId, first.id);
    expect(copy).toMatchObject({ name: 'One (copy)', isActive: false, nextRunAt: null });
    await automation.create(userId, { name: 'Three', schedule });
    expect(await refusal(automation.create(userId, { name: 'Four', schedule }))).toMatchObject({ code: 'AUTOMATION.LIMIT_REACHED', status: 409 });
    expect(await refusal(automation.copy(userId, first.id))).toMatchObject({ code: 'AUTOMATION.LIMIT_REACHED', status: 409 });
    expect(await automation.list(userId)).toHaveLength(3);
    expect(await refusal(automation.get(`user-${newMessageId()}`, first.id))).toMatchObject({ code: 'AUTOMATION.NOT_FOUND', status: 404 });
    expect(await automation.delete(userId, copy.id)).toBe(true);
    expect(await automation.list(userId)).toHaveLength(2);
  });

  it('fires a job whose due times were missed while no replica ran once on start, then keeps to its schedule', async () => {
    const userId = `user-${newMessageId()}`;
    await videoSource(userId, 'missed');
    // A daily job whose last three fires were missed: it was due three days ago.
    const daily = { type: 'time_of_day', time: '03:00', timezone: 'UTC' };
    const job = await automation.create(userId, { name: 'Daily', isActive: false, schedule: daily });
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const dueAt = new Date(Date.UTC(threeDaysAgo.getUTCFullYear(), threeDaysAgo.getUTCMonth(), threeDaysAgo.getUTCDate(), 3, 0));
    // Every replica stops (downtime); the job is left due three days ago.
    await a.close();
    await b.close();
    db = (await world.start(ingestService, { env: { AUTOMATION_POLL_INTERVAL: '0ms' } })).app.get(DataSource);
    await db.query(`UPDATE automation_jobs SET is_active = true, next_run_at = $2 WHERE id = $1`, [job.id, dueAt]);
    // A replica starts (with the real clock): its first poll fires the job once.
    const c = await world.start(ingestService);
    const runs = await finishedRuns(userId, job.id, 1);
    expect(runs[0]).toMatchObject({ trigger: 'SCHEDULE', dueAt: dueAt.toISOString(), synced: 1, new: 1 });
    const after = await c.app.get(AutomationService).get(userId, job.id);
    expect(Date.parse(after.nextRunAt!)).toBeGreaterThan(Date.now());
    expect(after).toMatchObject({ runCount: 1 });
    expect(await count(`SELECT COUNT(*) AS n FROM automation_job_runs WHERE job_id = $1`, [job.id])).toBe(1);
  }, 120_000);
});
