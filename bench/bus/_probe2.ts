import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { AmqpTransport, MessageBus, OutboxRelay } from '@leap/messaging';
import { outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, createTestVhost } from '@leap/testing';
import { benchCatalog, EVENT, now, percentile, sleep, startConsumer, type Sample } from './common';

const cycles: { start: number; end: number; claimed: number; published: number; firstPub?: number; lastConf?: number }[] = [];
let current: any;
const origPublish = AmqpTransport.prototype.publish;
AmqpTransport.prototype.publish = async function (this: any, ...args: any[]) {
  const t = now(); if (current && current.firstPub === undefined) current.firstPub = t;
  await (origPublish as any).apply(this, args);
  if (current) current.lastConf = now();
};
const orig = (OutboxRelay.prototype as any).publishBatch;
(OutboxRelay.prototype as any).publishBatch = async function (this: any) {
  const start = now();
  const rec: any = { start };
  if (this.options.schema === 'producer') current = rec;
  const r = await orig.call(this);
  if (this.options.schema === 'producer') current = undefined;
  if (this.options.schema === 'producer' && r.claimed > 0) cycles.push(Object.assign(rec, { end: now() }, r));
  return r;
};

async function main() {
  const db = await createTestDatabase({ prefix: 'leap_test_bench_bus' });
  const vhost = await createTestVhost('leap_test_bench_bus');
  const samples: Record<string, Sample[]> = {};
  let consumer: any, producer: MessageBus | undefined, ds: DataSource | undefined;
  try {
    const c = new Client({ connectionString: db.url }); await c.connect();
    for (const s of ['producer', 'consumer']) { await c.query(`CREATE SCHEMA ${s}`); for (const q of outboxInboxDdl(s)) await c.query(q); }
    await c.query(`CREATE TABLE consumer.effects (id bigserial PRIMARY KEY, message_id uuid, phase text, aggregate_id text, seq int, handled_by text)`);
    ds = new DataSource({ type: 'postgres', url: db.url, poolSize: 10 }); await ds.initialize();
    producer = new MessageBus({ service: 'producer', transport: new AmqpTransport({ url: vhost.url }), catalog: benchCatalog(), dataSource: ds, schema: 'producer', databaseUrl: db.url });
    await producer.start();
    consumer = await startConsumer({ databaseUrl: db.url, amqpUrl: vhost.url, name: 'c1', prefetch: 16, poolSize: 10, onSample: (p, s) => (samples[p] ??= []).push(s) });
    const pub = (phase: string, seq: number) => ds!.transaction(async (m) => producer!.publish(m, EVENT, { phase, aggregateId: `${phase}-${seq}`, seq, sentAt: now() }, { subject: `${phase}-${seq}` }));
    const report = async (phase: string, n: number) => {
      while ((samples[phase]?.length ?? 0) < n) await sleep(50);
      const lat = samples[phase]!.map((s) => s[2] - s[0]).sort((a, b) => a - b);
      const cy = cycles.splice(0);
      const dur = cy.map((x) => x.end - x.start).sort((a, b) => a - b);
      console.log(`${phase}: n=${n} latency p50 ${percentile(lat, 50).toFixed(1)} p90 ${percentile(lat, 90).toFixed(1)} p99 ${percentile(lat, 99).toFixed(1)} max ${lat[lat.length - 1]!.toFixed(1)}; relay passes ${cy.length}, pass ms p50 ${percentile(dur, 50).toFixed(1)} p99 ${percentile(dur, 99).toFixed(1)}, mean claimed ${(cy.reduce((a, x) => a + x.claimed, 0) / cy.length).toFixed(1)}`);
      const q = (f: (x: any) => number) => { const v = cy.map(f).sort((a, b) => a - b); return `${percentile(v, 50).toFixed(1)}/${percentile(v, 99).toFixed(1)}`; };
      console.log(`   claim ${q((x) => x.firstPub - x.start)}  publish+confirm ${q((x) => x.lastConf - x.firstPub)}  mark sent+commit ${q((x) => x.end - x.lastConf)}`);
      return lat;
    };
    // warm-up
    for (let i = 0; i < 100; i++) await pub('warm', i);
    await report('warm', 100);
    // pairs: two commits ~1 ms apart, then 250 ms idle
    const pairs = Number(process.env.PAIRS ?? 20);
    for (let i = 0; i < pairs; i++) { const a = pub('pairs', 2 * i); await sleep(1); const b = pub('pairs', 2 * i + 1); await Promise.all([a, b]); await sleep(250); }
    const lat = await report('pairs', 2 * pairs);
    console.log('pairs: latencies > 200 ms:', lat.filter((x) => x > 200).length, 'of', lat.length);
    // fixed rate
    const rate = Number(process.env.RATE ?? 200), secs = Number(process.env.SECS ?? 5);
    const t0 = now(); let sent = 0; const inflight: Promise<unknown>[] = [];
    while (sent < rate * secs) { const due = Math.min(rate * secs, Math.floor((now() - t0) * rate / 1000) + 1); while (sent < due) inflight.push(pub('rate', sent++)); await sleep(1); }
    await Promise.all(inflight);
    console.log(`rate: producers committed ${(rate * secs / ((now() - t0) / 1000)).toFixed(0)}/s`);
    await report('rate', rate * secs);
    await c.end();
  } finally {
    await consumer?.stop(); await producer?.stop(); await ds?.destroy();
    await vhost.drop(); await db.drop();
  }
}
main();
