import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@leap/testing';
import { outboxInboxDdl } from '@leap/persistence';
import { now } from './common';

async function main() {
  const db = await createTestDatabase({ prefix: 'leap_test_bench_bus' });
  try {
    const a = new Client({ connectionString: db.url }); await a.connect();
    await a.query('CREATE SCHEMA p'); for (const s of outboxInboxDdl('p')) await a.query(s);
    const listener = new Client({ connectionString: db.url }); await listener.connect(); await listener.query('LISTEN leap_outbox');
    let notes = 0; listener.on('notification', () => notes++);
    const msg = JSON.stringify({ body: 'x'.repeat(500) });
    for (const rep of [1,2,3]) for (const conns of [1, 4, 8]) for (const notify of [false, true]) {
      const clients = await Promise.all(Array.from({ length: conns }, async () => { const c = new Client({ connectionString: db.url }); await c.connect(); return c; }));
      const n = 400 * Math.min(conns, 4); let next = 0; const t = now();
      await Promise.all(clients.map(async (c) => { while (next++ < n) {
        await c.query('BEGIN');
        await c.query('INSERT INTO p.outbox (id, exchange, routing_key, aggregate_id, message) VALUES ($1,$2,$3,$4,$5::jsonb)', [randomUUID(), 'e', 'k', 'a', msg]);
        if (notify) await c.query('SELECT pg_notify($1, $2)', ['leap_outbox', 'p']);
        await c.query('COMMIT');
      } }));
      const el = now() - t;
      console.log(`conns ${conns} notify ${notify}: ${(n / el * 1000).toFixed(0)} commits/s, ${(el / n * conns).toFixed(2)} ms per commit per conn`);
      await Promise.all(clients.map((c) => c.end()));
    }
    console.log('notifications', notes);
    await listener.end(); await a.end();
  } finally { await db.drop(); }
}
main();
