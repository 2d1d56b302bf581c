import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobsRuntime, type JobHandlerSpec } from '@leap/jobs';
import { MessageBus, newMessageId, PostgresTransport, type Envelope } from '@leap/messaging';
import { benchCatalog, now, sleep } from '../bus/common';

export const SCHEMA = 'worker';
export const KIND = 'bench.work';

/** What a bench job does: nothing, or sleep a fixed time (the fairness scenario's job length). */
export interface BenchJob {
  tenant: string;
  sleepMs: number;
  /** Record when the work started (latency and fairness); the throughput run's jobs do nothing at all. */
  record?: boolean;
}

/** The envelope a job keeps: a stand-in command. */
export function envelopeFor(data: BenchJob): Envelope<BenchJob> {
  return {
    id: newMessageId(),
    specversion: '1.0',
    type: 'bench.do-work.v1',
    source: '/leap/bench',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: 'leap.bench.v1.DoWork',
    correlationid: randomUUID(),
    tenant: data.tenant,
    data,
  };
}

/**
 * A job runner process of its own (or this one): a JobsRuntime on the bench schema whose work
 * records when it started (wall clock, comparable across processes) and sleeps `sleepMs`.
 */
export async function startRunner(url: string, concurrency: number, pollIntervalMs = 1000): Promise<{ stop(): Promise<void> }> {
  const dataSource = new DataSource({ type: 'postgres', url, poolSize: Math.max(4, concurrency + 2), extra: { options: `-c search_path=${SCHEMA},public` } });
  await dataSource.initialize();
  // Only the outbox writer of the bus is used (by nothing here: bench jobs publish nothing).
  const bus = new MessageBus({
    service: 'bench',
    transport: new PostgresTransport({ connectionString: url }),
    catalog: benchCatalog(),
    dataSource,
    schema: SCHEMA,
    databaseUrl: url,
    outbox: { enabled: false },
  });
  const runtime = new JobsRuntime({ service: 'bench', schema: SCHEMA, dataSource, databaseUrl: url, bus, concurrency: { [KIND]: concurrency }, pollIntervalMs, leaseMs: 30_000 });
  const spec: JobHandlerSpec<BenchJob> = {
    kind: KIND,
    async run(job) {
      const startedAt = now();
      if (job.data.record === false) return;
      await dataSource.query(`INSERT INTO ${SCHEMA}.bench_starts (job_id, started_at, pid) VALUES ($1, $2, $3)`, [job.id, startedAt, process.pid]);
      if (job.data.sleepMs > 0) await sleep(job.data.sleepMs);
    },
  };
  runtime.register(spec);
  await runtime.start();
  return {
    async stop() {
      await runtime.stop();
      await dataSource.destroy();
    },
  };
}
