/**
 * Durable jobs benchmark (`npm run bench:jobs`), on the machine's real PostgreSQL. See
 * docs/performance.md for the figures.
 *
 *   Latency     jobs enqueued one at a time (each in its own transaction, as a handler accepts a
 *               command), paced so runners are idle: claim-to-start is from the enqueue's commit
 *               to the work's first line, p50/p99, with one runner process and with two.
 *   Throughput  trivial jobs (the work does nothing) drained by one runner process,
 *               beside a floor: the same number of rows claimed by plain `FOR UPDATE SKIP
 *               LOCKED` statements and marked done, at the same concurrency, on the same database.
 *   Fairness    one slot; tenant A queues 20 jobs of JOB_MS each, then tenant B queues one while
 *               A's first runs: B's wait beside its wait when alone, and beside one job's length.
 *
 * Environment (all optional): BENCH_JOBS (throughput jobs, default 2000), BENCH_LATENCY_JOBS
 * (default 200), BENCH_CONCURRENCY (runner concurrency, default 8), BENCH_JOB_MS (fairness job
 * length, default 200), TEST_PG_URL.
 */
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { jobsDdl, JobStore } from '@leap/jobs';
import { outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, startProcess, type RunningProcess } from '@leap/testing';
import { intEnv, now, percentile, sleep } from '../bus/common';
import { envelopeFor, KIND, SCHEMA, startRunner, type BenchJob } from './common';

const config = {
  jobs: intEnv('BENCH_JOBS', 2000),
  latencyJobs: intEnv('BENCH_LATENCY_JOBS', 200),
  concurrency: intEnv('BENCH_CONCURRENCY', 8),
  jobMs: intEnv('BENCH_JOB_MS', 200),
};

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const db = await createTestDatabase({ prefix: 'leap_bench_jobs' });
  const ds = new DataSource({ type: 'postgres', url: db.url, poolSize: 10 });
  await ds.initialize();
  const children: RunningProcess[] = [];
  try {
    await ds.query(`CREATE SCHEMA ${SCHEMA}`);
    for (const sql of [...outboxInboxDdl(SCHEMA), ...jobsDdl(SCHEMA)]) await ds.query(sql);
    await ds.query(`CREATE TABLE ${SCHEMA}.bench_starts (job_id uuid PRIMARY KEY, started_at float8 NOT NULL, pid int NOT NULL)`);
    await ds.query(`CREATE TABLE ${SCHEMA}.floor (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'queued', created_at timestamptz NOT NULL DEFAULT now())`);
    await ds.query(`CREATE INDEX floor_queued ON ${SCHEMA}.floor (created_at) WHERE state = 'queued'`);
    const store = new JobStore(ds, SCHEMA);

    const enqueue = async (data: BenchJob): Promise<{ id: string; committedAt: number }> => {
      const envelope = envelopeFor(data);
      const id = envelope.id;
      await ds.transaction((m) => store.enqueue(m, { id, kind: KIND, tenant: data.tenant, subject: id, envelope, maxAttempts: 5 }));
      return { id, committedAt: now() };
    };
    const startOf = async (id: string): Promise<number> => {
      for (;;) {
        const rows = await ds.query(`SELECT started_at FROM ${SCHEMA}.bench_starts WHERE job_id = $1`, [id]);
        if (rows[0]) return Number(rows[0].started_at);
        await sleep(2);
      }
    };
    const drained = async () => {
      for (;;) {
        const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.jobs WHERE state IN ('queued', 'running')`);
        if (n === 0) return;
        await sleep(5);
      }
    };
    const spawnRunner = async (concurrency: number) => {
      const child = await startProcess({
        name: 'runner',
        command: process.execPath,
        args: ['-r', '@swc-node/register', path.join(__dirname, 'runner.ts'), db.url, String(concurrency)],
        cwd: path.join(__dirname, '..', '..'),
        readyWhen: (line) => line.includes('runner ready'),
        readyTimeoutMs: 60_000,
      });
      children.push(child);
      return child;
    };

    // ---------------------------------------------------------------- latency
    const latency = async (runners: number): Promise<number[]> => {
      const local = await startRunner(db.url, config.concurrency);
      const extra = runners > 1 ? await spawnRunner(config.concurrency) : undefined;
      await sleep(500);
      const samples: number[] = [];
      for (let i = 0; i < config.latencyJobs; i++) {
        const { id, committedAt } = await enqueue({ tenant: `t${i % 10}`, sleepMs: 0 });
        samples.push((await startOf(id)) - committedAt);
        await sleep(10);
      }
      await drained();
      await local.stop();
      await extra?.stop('SIGTERM');
      return samples.sort((a, b) => a - b);
    };
    const one = await latency(1);
    const two = await latency(2);

    // ---------------------------------------------------------------- throughput
    for (let i = 0; i < config.jobs; i += 500) {
      await ds.transaction(async (m) => {
        for (let k = i; k < Math.min(config.jobs, i + 500); k++) {
          const data = { tenant: `t${k % 10}`, sleepMs: 0, record: false };
          const env = envelopeFor(data);
          await store.enqueue(m, { id: env.id, kind: KIND, tenant: data.tenant, subject: env.id, envelope: env, maxAttempts: 5 });
        }
      });
    }
    const t0 = now();
    const runner = await startRunner(db.url, config.concurrency);
    await drained();
    const jobsSeconds = (now() - t0) / 1000;
    await runner.stop();

    await ds.query(`INSERT INTO ${SCHEMA}.floor (state) SELECT 'queued' FROM generate_series(1, $1)`, [config.jobs]);
    const floorStart = now();
    await Promise.all(
      Array.from({ length: config.concurrency }, async () => {
        for (;;) {
          const claimed = await ds.query(
            `WITH c AS (UPDATE ${SCHEMA}.floor SET state = 'running' WHERE id = (
               SELECT id FROM ${SCHEMA}.floor WHERE state = 'queued' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id)
             SELECT id FROM c`,
          );
          if (claimed.length === 0) return;
          await ds.query(`UPDATE ${SCHEMA}.floor SET state = 'done' WHERE id = $1`, [claimed[0].id]);
        }
      }),
    );
    const floorSeconds = (now() - floorStart) / 1000;

    // ---------------------------------------------------------------- fairness
    const fairness = async (backlog: number): Promise<number> => {
      const slot = await startRunner(db.url, 1);
      let firstA: string | undefined;
      for (let i = 0; i < backlog; i++) {
        const { id } = await enqueue({ tenant: 'tenant-a', sleepMs: config.jobMs });
        firstA ??= id;
      }
      if (firstA) await startOf(firstA);
      const b = await enqueue({ tenant: 'tenant-b', sleepMs: config.jobMs });
      const wait = (await startOf(b.id)) - b.committedAt;
      await drained();
      await slot.stop();
      return wait;
    };
    const alone = await fairness(0);
    const behindBacklog = await fairness(20);

    // ---------------------------------------------------------------- report
    const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(58)} ${value}\n`);
    process.stdout.write(`\nDurable jobs on this machine (${config.concurrency} slots per runner)\n\n`);
    line('claim-to-start, one runner      p50 / p99', `${fmt(percentile(one, 50))} / ${fmt(percentile(one, 99))}`);
    line('claim-to-start, two runners     p50 / p99', `${fmt(percentile(two, 50))} / ${fmt(percentile(two, 99))}`);
    line('  ratio two / one (p50)', (percentile(two, 50) / percentile(one, 50)).toFixed(2));
    const jobsRate = config.jobs / jobsSeconds;
    const floorRate = config.jobs / floorSeconds;
    line('trivial jobs per second', jobsRate.toFixed(0));
    line('floor: plain SKIP LOCKED claims per second', floorRate.toFixed(0));
    line('  ratio jobs / floor', (jobsRate / floorRate).toFixed(2));
    line(`tenant B's wait alone`, fmt(alone));
    line(`tenant B's wait behind tenant A's 20 queued jobs`, fmt(behindBacklog));
    line(`  one job's length`, fmt(config.jobMs));
    const met = behindBacklog <= config.jobMs + alone + 50;
    line(`  target: B waits at most one job's length more than alone`, met ? 'met' : 'not met');
  } finally {
    for (const child of children) await child.stop('SIGTERM').catch(() => undefined);
    await ds.destroy();
    await db.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
