import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { AmqpTransport, MessageBus, OutboxRelay, OutboxWriter } from '@leap/messaging';
import { outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, createTestVhost } from '@leap/testing';
import { benchCatalog, EVENT, now, percentile, sleep, startConsumer, type Sample } from './common';

let FIX_WAKE = false, NO_NOTIFY = false;
(OutboxRelay.prototype as any).run = async function (this: any) {
  while (this.running) {
    let claimed = 0;
    this.dirty = false;
    if (FIX_WAKE) this.wake = () => { this.dirty = true; };
    try { ({ claimed } = await this.publishBatch()); await this.housekeeping(); } catch (e) { console.error('pass failed', (e as Error).message); }
    if (claimed >= this.batchSize) continue;
    if (FIX_WAKE && this.dirty) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.pollIntervalMs);
      this.wake = () => { clearTimeout(timer); this.wake = FIX_WAKE ? () => { this.dirty = true; } : undefined; resolve(); };
    });
  }
};
const origAdd = OutboxWriter.prototype.add;
OutboxWriter.prototype.add = function (this: any, manager: any, entries: any) {
  if (!NO_NOTIFY) return origAdd.call(this, manager, entries);
  const proxy = new Proxy(manager, { get(t, k) { if (k === 'query') return (sql: string, p: unknown[]) => (sql.includes('pg_notify') ? Promise.resolve([]) : t.query(sql, p)); return Reflect.get(t, k); } });
  return origAdd.call(this, proxy, entries);
};

async function main() {
  const db = await createTestDatabase({ prefix: 'leap_test_bench_bus' });
  const vhost = await createTestVhost('leap_test_bench_bus');
  const samples: Record<string, Sample[]> = {};
  let consumer: any, producer: MessageBus | undefined, ds: DataSource | undefined;
  const c = new Client({ connectionString: db.url }); await c.connect();
  try {
    for (const s of ['producer', 'consumer']) { await c.query(`CREATE SCHEMA ${s}`); for (const q of outboxInboxDdl(s)) await c.query(q); }
    await c.query(`CREATE TABLE consumer.effects (id bigserial PRIMARY KEY, message_id uuid, phase text, aggregate_id text, seq int, handled_by text)`);
    ds = new DataSource({ type: 'postgres', url: db.url, poolSize: 10 }); await ds.initialize();
    producer = new MessageBus({ service: 'producer', transport: new AmqpTransport({ url: vhost.url }), catalog: benchCatalog(), dataSource: ds, schema: 'producer', databaseUrl: db.url });
    await producer.start();
    consumer = await startConsumer({ databaseUrl: db.url, amqpUrl: vhost.url, name: 'c1', prefetch: 16, poolSize: 10, onSample: (p, s) => (samples[p] ??= []).push(s) });
    const relay = producer.outboxRelay as any;
    const pub = async (phase: string, seq: number) => {
      const aggregateId = `${phase}-${seq % 1000}`;
      await ds!.transaction(async (m) => producer!.publish(m, EVENT, { phase, aggregateId, seq, sentAt: now() }, { subject: aggregateId }));
      if (NO_NOTIFY) relay.wake?.();
    };
    const result = async (phase: string, n: number) => {
      const deadline = Date.now() + 60000;
      while ((samples[phase]?.length ?? 0) < n) { if (Date.now() > deadline) throw new Error(phase + ' timeout'); await sleep(20); }
      const s = samples[phase]!;
      const lat = s.map((x) => x[2] - x[0]).sort((a, b) => a - b);
      const first = Math.min(...s.map((x) => x[0])), last = Math.max(...s.map((x) => x[2]));
      return { rate: n / ((last - first) / 1000), p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1]! };
    };
    const N = Number(process.env.N ?? 1500), RATE = 200, SECS = Number(process.env.SECS ?? 5), PAIRS = 8;
    for (let i = 0; i < 200; i++) await pub('warm', i);
    await result('warm', 200);
    const variants: [string, boolean, boolean][] = [['V0 as is', false, false], ['V1 wake fixed', true, false], ['V2 wake fixed, no notify', true, true]];
    const table: Record<string, string[]> = {};
    for (let rep = 0; rep < Number(process.env.REPS ?? 2); rep++) for (const [name, fix, nonotify] of variants) {
      FIX_WAKE = fix; NO_NOTIFY = nonotify; const tag = `${rep}${name[1]}`;
      let next = 0; const t0 = now();
      await Promise.all(Array.from({ length: 4 }, async () => { for (let i = next++; i < N; i = next++) await pub('max' + tag, i); }));
      const commitRate = N / ((now() - t0) / 1000);
      const m = await result('max' + tag, N);
      const t1 = now(); let sent = 0; const inflight: Promise<unknown>[] = [];
      while (sent < RATE * SECS) { const due = Math.min(RATE * SECS, Math.floor((now() - t1) * RATE / 1000) + 1); while (sent < due) inflight.push(pub('rate' + tag, sent++)); await sleep(1); }
      await Promise.all(inflight);
      const r = await result('rate' + tag, RATE * SECS);
      for (let i = 0; i < PAIRS; i++) { const a = pub('pairs' + tag, 2 * i); await sleep(1); await Promise.all([a, pub('pairs' + tag, 2 * i + 1)]); await sleep(250); }
      const p = await result('pairs' + tag, 2 * PAIRS);
      const line = `${name.padEnd(26)} max ${m.rate.toFixed(0)}/s (commits ${commitRate.toFixed(0)}/s, p99 ${m.p99.toFixed(0)})  200/s p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} max ${r.max.toFixed(0)}  pairs p50 ${p.p50.toFixed(1)} max ${p.max.toFixed(0)}  load ${require('os').loadavg()[0].toFixed(1)}`;
      console.log(line);
      await c.query('TRUNCATE producer.outbox, consumer.inbox, consumer.effects');
    }
  } finally {
    await consumer?.stop(); await producer?.stop(); await ds?.destroy(); await c.end();
    await vhost.drop(); await db.drop();
  }
}
main();
