import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { AmqpTransport, MessageBus, OutboxRelay } from '@leap/messaging';
import { outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, createTestVhost } from '@leap/testing';
import { benchCatalog, EVENT, now, percentile, sleep, startConsumer, type Sample } from './common';

let relayCalling = false;
const waits: number[] = [];
const origCreate = DataSource.prototype.createQueryRunner;
DataSource.prototype.createQueryRunner = function (this: any, ...a: any[]) {
  const qr = (origCreate as any).apply(this, a);
  if (relayCalling) { const c = qr.connect.bind(qr); qr.connect = async () => { const t = now(); const r = await c(); waits.push(now() - t); return r; }; }
  return qr;
};
const origBatch = (OutboxRelay.prototype as any).publishBatch;
(OutboxRelay.prototype as any).publishBatch = function (this: any) {
  relayCalling = this.options.schema === 'producer';
  try { return origBatch.call(this); } finally { relayCalling = false; }
};

async function main() {
  const db = await createTestDatabase({ prefix: 'leap_test_bench_bus' });
  const vhost = await createTestVhost('leap_test_bench_bus');
  const samples: Record<string, Sample[]> = {};
  let consumer: any, producer: MessageBus | undefined, ds: DataSource | undefined, relayDs: DataSource | undefined;
  const c = new Client({ connectionString: db.url }); await c.connect();
  try {
    for (const s of ['producer', 'consumer']) { await c.query(`CREATE SCHEMA ${s}`); for (const q of outboxInboxDdl(s)) await c.query(q); }
    await c.query(`CREATE TABLE consumer.effects (id bigserial PRIMARY KEY, message_id uuid, phase text, aggregate_id text, seq int, handled_by text)`);
    ds = new DataSource({ type: 'postgres', url: db.url, poolSize: 10 }); await ds.initialize();
    relayDs = new DataSource({ type: 'postgres', url: db.url, poolSize: 2 }); await relayDs.initialize();
    producer = new MessageBus({ service: 'producer', transport: new AmqpTransport({ url: vhost.url }), catalog: benchCatalog(), dataSource: ds, schema: 'producer', databaseUrl: db.url });
    await producer.start();
    consumer = await startConsumer({ databaseUrl: db.url, amqpUrl: vhost.url, name: 'c1', prefetch: 16, poolSize: 10, onSample: (p, s) => (samples[p] ??= []).push(s) });
    const relay = producer.outboxRelay as any;
    const pub = async (phase: string, seq: number) => {
      const aggregateId = `${phase}-${seq % 1000}`;
      await ds!.transaction(async (m) => producer!.publish(m, EVENT, { phase, aggregateId, seq, sentAt: now() }, { subject: aggregateId }));
    };
    const RATE = Number(process.env.RATE ?? 500), SECS = Number(process.env.SECS ?? 4);
    for (const variant of ['shared pool', 'own pool', 'shared pool', 'own pool']) {
      relay.options.dataSource = variant === 'own pool' ? relayDs : ds;
      waits.length = 0;
      const phase = variant.replace(' ', '') + Math.random().toString(36).slice(2, 6);
      const t1 = now(); let sent = 0; const inflight: Promise<unknown>[] = [];
      while (sent < RATE * SECS) { const due = Math.min(RATE * SECS, Math.floor((now() - t1) * RATE / 1000) + 1); while (sent < due) inflight.push(pub(phase, sent++)); await sleep(1); }
      await Promise.all(inflight);
      const commitRate = RATE * SECS / ((now() - t1) / 1000);
      const deadline = Date.now() + 90000;
      while ((samples[phase]?.length ?? 0) < RATE * SECS) { if (Date.now() > deadline) throw new Error('timeout'); await sleep(20); }
      const s = samples[phase]!; const lat = s.map((x) => x[2] - x[0]).sort((a, b) => a - b);
      const first = Math.min(...s.map((x) => x[0])), last = Math.max(...s.map((x) => x[2]));
      const w = [...waits].sort((a, b) => a - b);
      console.log(`${variant.padEnd(12)} offered ${RATE}/s, committed ${commitRate.toFixed(0)}/s, handled ${(s.length / ((last - first) / 1000)).toFixed(0)}/s end to end; latency p50 ${percentile(lat, 50).toFixed(0)} p99 ${percentile(lat, 99).toFixed(0)} ms; relay passes ${w.length}, pool wait p50 ${percentile(w, 50).toFixed(1)} p99 ${percentile(w, 99).toFixed(1)} max ${w[w.length - 1]?.toFixed(0)} ms; load ${require('os').loadavg()[0].toFixed(1)}`);
      await c.query('TRUNCATE producer.outbox, consumer.inbox, consumer.effects');
      await sleep(500);
    }
  } finally {
    await consumer?.stop(); await producer?.stop(); await ds?.destroy(); await relayDs?.destroy(); await c.end();
    await vhost.drop(); await db.drop();
  }
}
main();
