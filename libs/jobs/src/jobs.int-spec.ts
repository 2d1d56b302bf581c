import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LeapError } from '@leap/errors';
import { type UntypedMessages } from '@leap/messaging';
import { processIsAlive } from '@leap/media-tools';
import { eventually } from '@leap/testing';
import { BusHarness, type TransportKind, type TestBus, type TestContext } from '@leap/messaging/src/test-support/harness';
import { JobsRuntime, jobFailureReport, type JobsRuntimeOptions } from './jobs-runtime';
import type { JobContext, JobFailure, JobHandlerSpec } from './job-context';
import { jobsDdl } from './jobs.sql';

const COMMAND = 'test.do-thing.v1';
const EVENT = 'test.thing.happened.v1';
const QUEUE = 'worker.things';
const KIND = 'test.work';

type Command = { aggregateId: string };
type Behaviour = (job: JobContext<Command>) => Promise<number | void>;

/** Long enough for a busy machine; `eventually` returns as soon as the state is reached. */
const PATIENTLY = { timeoutMs: 20_000 };

const kinds: TransportKind[] = (process.env.LEAP_TEST_TRANSPORTS ?? 'amqp,postgres').split(',') as TransportKind[];


/** A child process that runs until it is killed, stopped by `signal`; resolves with its pid once started. */
function longProcess(signal: AbortSignal, onPid: (pid: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    onPid(child.pid!);
    const kill = () => child.kill('SIGKILL');
    signal.addEventListener('abort', kill, { once: true });
    child.on('close', () => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) reject(signal.reason as Error);
      else resolve();
    });
  });
}

describe.each(kinds)('durable jobs over %s', (transport) => {
  const h = new BusHarness(transport);
  const behaviours = new Map<string, Behaviour>();
  const failures: Array<{ aggregateId: string; failure: JobFailure }> = [];
  const progress: Array<{ aggregateId: string; percent: number; at: number }> = [];
  const runtimes: JobsRuntime[] = [];
  const buses = new Map<JobsRuntime, TestBus>();
  const dataSources: DataSource[] = [];
  let producer: TestBus;
  let db: DataSource;

  const spec: JobHandlerSpec<Command, UntypedMessages> = {
    kind: KIND,
    async run(job) {
      const behaviour = behaviours.get(job.data.aggregateId);
      const seq = behaviour ? await behaviour(job) : 1;
      return (ctx: TestContext<unknown>) => ctx.publish(EVENT, { aggregateId: job.data.aggregateId, seq: seq ?? 1 }, { subject: job.data.aggregateId });
    },
    async onFailed(ctx, failure) {
      failures.push({ aggregateId: (ctx.data as Command).aggregateId, failure });
      const report = jobFailureReport('TEST', failure);
      await ctx.publish(EVENT, { aggregateId: (ctx.data as Command).aggregateId, seq: -1, note: `${report.code}: ${report.message}` }, { subject: (ctx.data as Command).aggregateId });
    },
    onProgress(job, p) {
      progress.push({ aggregateId: job.data.aggregateId, percent: p.percent, at: Date.now() });
    },
  };

  /** A replica of the worker service: a bus whose handler accepts the command as a job, and job runners. */
  async function replica(options: Partial<JobsRuntimeOptions> = {}): Promise<JobsRuntime> {
    // A small pool of its own, closed when the replica stops: the suite shares one PostgreSQL.
    const dataSource = new DataSource({ type: 'postgres', url: h.db.url, poolSize: 4 });
    await dataSource.initialize();
    dataSources.push(dataSource);
    const bus = await h.bus('worker', { dataSource });
    const runtime = new JobsRuntime({
      service: 'worker',
      schema: 'worker',
      dataSource,
      databaseUrl: h.db.url,
      bus,
      concurrency: { [KIND]: 2 },
      leaseMs: 1500,
      maxAttempts: 3,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      pollIntervalMs: 200,
      shutdownTimeoutMs: 500,
      ...options,
    });
    runtime.register(spec);
    bus.registerConsumer({ queue: QUEUE, types: [COMMAND] });
    bus.registerHandler({ queue: QUEUE, type: COMMAND, name: 'accept', handle: (ctx: TestContext<Command>) => runtime.enqueue(ctx, KIND) });
    await bus.start();
    await runtime.start();
    runtimes.push(runtime);
    buses.set(runtime, bus);
    return runtime;
  }

  async function send(aggregateId: string, tenant = 'tenant-a'): Promise<void> {
    await db.transaction((m) => producer.send(m, COMMAND, { aggregateId }, { subject: aggregateId, tenant }));
  }

  const jobOf = async (aggregateId: string) => (await db.query(`SELECT * FROM worker.jobs WHERE subject = $1`, [aggregateId]))[0];
  const results = async (aggregateId: string) =>
    (await db.query(`SELECT message->'body' AS body FROM worker.outbox WHERE aggregate_id = $1 AND routing_key = $2 ORDER BY seq`, [aggregateId, EVENT])) as unknown[];

  async function stopAll(): Promise<void> {
    for (const r of runtimes.splice(0)) {
      await r.stop();
      await buses.get(r)?.stop();
    }
    for (const ds of dataSources.splice(0)) await ds.destroy().catch(() => undefined);
  }

  beforeAll(async () => {
    await h.setup(['producer', 'worker']);
    db = await h.dataSource();
    for (const sql of jobsDdl('worker')) await db.query(sql);
    producer = await h.bus('producer');
    await producer.start();
  });
  afterEach(stopAll);
  afterAll(() => h.teardown());

  it('acknowledges the command at once, runs the job with no transaction open, and publishes its result once', async () => {
    const runtime = await replica();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    behaviours.set('slow', async () => {
      await gate;
      return 7;
    });
    await send('slow');
    const running = await eventually(async () => {
      const job = await jobOf('slow');
      expect(job?.state).toBe('running');
      return job;
    }, PATIENTLY);
    expect(running.tenant).toBe('tenant-a');
    // The delivery was settled when the job was accepted: stopping the consumer while the work
    // runs gives nothing back to the queue (an unacknowledged delivery would return to it).
    await buses.get(runtime)!.stop();
    const probe = await h.transport();
    await probe.connect();
    expect(await probe.depth(QUEUE)).toBe(0);
    const idle = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    expect(idle[0].n).toBe(0);
    release();
    await eventually(async () => expect((await jobOf('slow')).state).toBe('completed'), PATIENTLY);
    await eventually(async () => expect(await results('slow')).toHaveLength(1), PATIENTLY);
  });

  it('tries a failing job again with backoff, and fails it for good with its code when the attempts run out', async () => {
    await replica();
    let calls = 0;
    behaviours.set('flaky', async () => {
      calls += 1;
      if (calls < 2) throw new Error('object store unreachable');
      return 2;
    });
    behaviours.set('broken', async () => {
      throw new Error('still unreachable');
    });
    behaviours.set('invalid', async () => {
      throw new LeapError('TEST.INVALID_SOURCE', 'not media', { retryable: false });
    });
    await Promise.all([send('flaky'), send('broken'), send('invalid')]);
    await eventually(async () => expect((await jobOf('flaky')).state).toBe('completed'), { timeoutMs: 10_000 });
    expect((await jobOf('flaky')).attempts).toBe(2);
    await eventually(async () => expect((await jobOf('broken')).state).toBe('failed'), { timeoutMs: 10_000 });
    await eventually(async () => expect((await jobOf('invalid')).state).toBe('failed'), { timeoutMs: 10_000 });
    const broken = failures.find((f) => f.aggregateId === 'broken')!.failure;
    expect(jobFailureReport('TEST', broken)).toMatchObject({ code: 'TEST.RETRIES_EXHAUSTED', message: expect.stringContaining('Gave up after 3 attempts; last error Error: still unreachable') });
    const invalid = failures.find((f) => f.aggregateId === 'invalid')!.failure;
    expect(jobFailureReport('TEST', invalid)).toMatchObject({ code: 'TEST.INVALID_SOURCE' });
    expect((await jobOf('invalid')).attempts).toBe(1);
    expect(failures.filter((f) => f.aggregateId === 'broken')).toHaveLength(1);
  });

  it('takes over a job whose worker died once its lease lapses, and its effect happens once', async () => {
    const runtime = await replica({ concurrency: { [KIND]: 0 } });
    await send('orphan');
    await eventually(async () => expect((await jobOf('orphan'))?.state).toBe('queued'), PATIENTLY);
    // A worker claims it and dies: no heartbeat, no outcome.
    const [claimed] = await runtime.store.claim(KIND, randomUUID(), 'dead-worker', 800);
    expect(claimed?.subject).toBe('orphan');
    const started = Date.now();
    await replica();
    await eventually(async () => expect((await jobOf('orphan')).state).toBe('completed'), { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(800 + 5000);
    const job = await jobOf('orphan');
    expect(job.attempts).toBe(2);
    expect(job.lease_owner).not.toBe('dead-worker');
    expect(await results('orphan')).toHaveLength(1);
  });

  it('fails a job whose worker keeps dying, instead of starting it forever', async () => {
    const runtime = await replica({ concurrency: { [KIND]: 0 } });
    await send('crash-loop');
    await eventually(async () => expect((await jobOf('crash-loop'))?.state).toBe('queued'), PATIENTLY);
    for (let i = 0; i < 3; i++) {
      await eventually(async () => expect(await runtime.store.claim(KIND, randomUUID(), 'dying-worker', 1)).toHaveLength(1), PATIENTLY);
    }
    await replica();
    await eventually(async () => expect((await jobOf('crash-loop')).state).toBe('failed'), { timeoutMs: 10_000 });
    const failure = failures.find((f) => f.aggregateId === 'crash-loop')!.failure;
    expect(jobFailureReport('TEST', failure).code).toBe('TEST.WORKER_LOST');
    expect(await results('crash-loop')).toHaveLength(1);
  });

  it('stops a cancelled job at once (by the notification, long before a heartbeat), kills its process, and discards its late result', async () => {
    // Heartbeats every 20 s: only the notification can stop the work within the bound below.
    const runtime = await replica({ leaseMs: 60_000 });
    let pid = 0;
    let settled = 0;
    behaviours.set('cancel-me', async (job) => {
      try {
        await longProcess(job.signal, (p) => (pid = p));
      } finally {
        settled = Date.now();
      }
      return 1;
    });
    await send('cancel-me');
    await eventually(() => expect(pid).toBeGreaterThan(0), PATIENTLY);
    expect(processIsAlive(pid)).toBe(true);
    const cancelledAt = Date.now();
    await db.transaction((m) => runtime.cancel(m, 'cancel-me', 'paused'));
    await eventually(() => expect(processIsAlive(pid)).toBe(false), { timeoutMs: 10_000, intervalMs: 20 });
    await eventually(() => expect(settled).toBeGreaterThan(0), { timeoutMs: 10_000, intervalMs: 20 });
    expect(settled - cancelledAt).toBeLessThan(10_000);
    await eventually(() => expect(runtime.runningHere()).toHaveLength(0), PATIENTLY);
    const job = await jobOf('cancel-me');
    expect(job).toMatchObject({ state: 'cancelled', cancel_reason: 'paused' });
    expect(await results('cancel-me')).toHaveLength(0);
  });

  it('discards the result of work that ignores its cancellation', async () => {
    const runtime = await replica();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    behaviours.set('stubborn', async () => {
      started = true;
      await gate; // ignores the signal
      return 3;
    });
    await send('stubborn');
    await eventually(() => expect(started).toBe(true), PATIENTLY);
    await db.transaction((m) => runtime.cancel(m, 'stubborn', 'deleted'));
    release();
    await eventually(() => expect(runtime.runningHere()).toHaveLength(0), PATIENTLY);
    expect((await jobOf('stubborn')).state).toBe('cancelled');
    expect(await results('stubborn')).toHaveLength(0);
  });

  it('reports progress monotonically and at most once a second', async () => {
    await replica();
    behaviours.set('progress', async (job) => {
      for (let i = 0; i <= 100; i += 2) {
        job.progress(i % 7 === 3 ? i - 2 : i, 'counting'); // a step back now and then is ignored
        await new Promise((r) => setTimeout(r, 50));
      }
      return 1;
    });
    await send('progress');
    await eventually(async () => expect((await jobOf('progress')).state).toBe('completed'), PATIENTLY);
    // The last value still goes out, a second after the one before.
    await eventually(() => expect(progress.filter((p) => p.aggregateId === 'progress').at(-1)!.percent).toBe(100), PATIENTLY);
    const ticks = progress.filter((p) => p.aggregateId === 'progress');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i]!.percent).toBeGreaterThanOrEqual(ticks[i - 1]!.percent);
      expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThanOrEqual(950);
    }
  });

  it('gives the next free slot to the tenant with the fewest running jobs', async () => {
    const order: string[] = [];
    const runtime = await replica({ concurrency: { [KIND]: 1 } });
    let releaseFirst!: () => void;
    const first = new Promise<void>((r) => (releaseFirst = r));
    // The commands are accepted concurrently, so any of A's jobs may be the first to run: that
    // one holds the only slot until it is released.
    for (let i = 0; i < 20; i++) {
      behaviours.set(`a-${i}`, async (job) => {
        order.push(job.data.aggregateId);
        if (order.length === 1) await first;
      });
    }
    behaviours.set('b-0', async (job) => {
      order.push(job.data.aggregateId);
    });
    for (let i = 0; i < 20; i++) await send(`a-${i}`, 'fair-a');
    await eventually(async () => {
      expect((await runtime.list({ kinds: [KIND], tenant: 'fair-a' })).counts.queued).toBe(19);
      expect(order).toEqual([expect.stringMatching(/^a-\d+$/)]);
    }, { timeoutMs: 20_000 });
    await send('b-0', 'fair-b');
    await eventually(async () => expect((await jobOf('b-0'))?.state).toBe('queued'), { timeoutMs: 20_000 });
    releaseFirst();
    await eventually(() => expect(order).toHaveLength(21), { timeoutMs: 20_000 });
    // B's upload waits for the one job that was running when it came, no more.
    expect(order.indexOf('b-0')).toBe(1);
    await eventually(async () => expect((await runtime.list({ kinds: [KIND], tenant: 'fair-a' })).counts.completed).toBe(20), PATIENTLY);
  });
});
