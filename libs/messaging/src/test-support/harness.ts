import { DataSource } from 'typeorm';
import { outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, createTestVhost, type TestDatabase, type TestVhost } from '@leap/testing';
import { MessageBus, type MessageBusOptions, type MessageContext } from '../bus';
import type { UntypedMessages, UntypedReplies } from '../message-map';
import type { Transport } from '../transport';
import { AmqpTransport } from '../transports/amqp/amqp-transport';
import { PostgresTransport } from '../transports/postgres';
import { testCatalog } from './test-catalog';

export type TransportKind = 'amqp' | 'postgres';

/** The tests' buses carry the test catalogue's types, which no contract registers: untyped. */
export type TestBus = MessageBus<UntypedMessages, UntypedReplies>;
export type TestContext<T> = MessageContext<T, UntypedMessages>;

/** One test file's world: its own database (two service schemas) and its own vhost. */
export class BusHarness {
  db!: TestDatabase;
  vhost?: TestVhost;
  private readonly sources: DataSource[] = [];
  private readonly buses: TestBus[] = [];
  private readonly transports: Transport[] = [];

  constructor(readonly kind: TransportKind) {}

  async setup(schemas: string[] = ['producer', 'consumer']): Promise<void> {
    this.db = await createTestDatabase({ prefix: 'leap_test_bus' });
    if (this.kind === 'amqp') this.vhost = await createTestVhost('leap_test_bus');
    const ds = await this.dataSource();
    for (const schema of schemas) {
      await ds.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      for (const sql of outboxInboxDdl(schema)) await ds.query(sql);
      await ds.query(`CREATE TABLE "${schema}".effects (id bigserial PRIMARY KEY, message_id uuid, aggregate_id text, seq int, note text, at timestamptz DEFAULT clock_timestamp())`);
    }
  }

  async dataSource(): Promise<DataSource> {
    const ds = new DataSource({ type: 'postgres', url: this.db.url, poolSize: 10 });
    await ds.initialize();
    this.sources.push(ds);
    return ds;
  }

  async transport(overrides: { amqpUrl?: string } = {}): Promise<Transport> {
    let transport: Transport;
    if (this.kind === 'amqp') {
      transport = new AmqpTransport({ url: overrides.amqpUrl ?? this.vhost!.url, reconnectMinMs: 100, reconnectMaxMs: 500 });
    } else {
      transport = new PostgresTransport({ connectionString: this.db.url, leaseMs: 1000, pollIntervalMs: 200, closeTimeoutMs: 200 });
    }
    this.transports.push(transport);
    return transport;
  }

  async bus(schema: string, options: Partial<MessageBusOptions> = {}): Promise<TestBus> {
    const bus = new MessageBus<UntypedMessages, UntypedReplies>({
      service: schema,
      transport: options.transport ?? (await this.transport()),
      catalog: testCatalog(),
      dataSource: options.dataSource ?? (await this.dataSource()),
      schema,
      databaseUrl: this.db.url,
      immediateRetries: 1,
      retryTiersMs: [100, 200],
      deliveryLimit: 3,
      prefetch: 8,
      outbox: { pollIntervalMs: 200 },
      shutdownTimeoutMs: 1000,
      ...options,
    });
    this.buses.push(bus);
    return bus;
  }

  async effects(schema: string): Promise<{ message_id: string; aggregate_id: string; seq: number; note: string | null }[]> {
    const ds = this.sources[0]!;
    return ds.query(`SELECT message_id, aggregate_id, seq, note FROM "${schema}".effects ORDER BY id`);
  }

  async teardown(): Promise<void> {
    for (const bus of this.buses) await bus.stop().catch(() => undefined);
    for (const t of this.transports) await t.close().catch(() => undefined);
    for (const ds of this.sources) if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    await this.vhost?.drop().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  let value = await fn();
  while (!done(value)) {
    if (Date.now() - start > timeoutMs) throw new Error(`Condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(50);
    value = await fn();
  }
  return value;
}
