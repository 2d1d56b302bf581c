import { MessagingConfigurationError } from '../../errors';
import { queueNames, type Topology } from '../../transport';
import type { Connection } from './connection';
import { transportDdl, type Statements } from './sql';
import { compileDirect, compileTopic, type KeyMatcher } from './topic-matcher';

export interface QueueInfo {
  kind: 'main' | 'error' | 'dlq';
  deliveryLimit: number | null;
  retryTiersMs: number[];
}

interface Route {
  queue: string;
  matches: KeyMatcher;
}

/** The topology as this process last read it. */
export interface TopologyCache {
  /** The `topology_version` these maps were read at. */
  version: string;
  exchanges: Map<string, 'topic' | 'direct'>;
  queues: Map<string, QueueInfo>;
  routes: Map<string, Route[]>;
  /** Resolved target queues per `exchange\0routingKey`. */
  resolved: Map<string, string[]>;
}

export interface TopologySettings {
  schema: string;
  sql: Statements;
  /** Where a declare that changed something announces it, and who it says did. */
  topologyChannel: string;
  instanceId: string;
}

/**
 * Exchanges, queues and bindings: declared in the schema's tables, cached here for routing. The
 * cache is read again when this or another process declares (the topology NOTIFY), and whenever
 * a lookup misses, so a queue declared elsewhere a moment ago is found. Routing with a cache that
 * a concurrent declare has outdated is caught by `topology_version` when publishing.
 */
export class TopologyStore {
  private cache?: TopologyCache;
  private loading?: Promise<TopologyCache>;
  private stale = false;
  private schemaReady?: Promise<void>;

  constructor(
    private readonly connection: Pick<Connection, 'db' | 'transaction'>,
    private readonly settings: TopologySettings,
  ) {}

  /** The `topology_version` of the cached topology, if one is loaded. */
  get cachedVersion(): string | undefined {
    return this.cache?.version;
  }

  /** Tables exist and the topology is loaded. */
  async ready(): Promise<TopologyCache> {
    this.schemaReady ??= this.ensureSchema().catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    await this.schemaReady;
    return this.cache ?? this.reload();
  }

  /** After the transport's own pool has ended: the next `ready()` checks the schema and reads everything again. */
  forget(): void {
    this.schemaReady = undefined;
    this.cache = undefined;
  }

  private async ensureSchema(): Promise<void> {
    await this.connection.transaction(async (client) => {
      await client.query(this.settings.sql.lockSchema);
      for (const statement of transportDdl(this.settings.schema)) await client.query(statement);
    });
  }

  async declare(topology: Topology): Promise<void> {
    const sql = this.settings.sql;
    await this.ready();
    try {
      await this.connection.transaction(async (client) => {
        await client.query(sql.lockSchema);
        let changed = 0;
        for (const exchange of topology.exchanges) {
          changed += (await client.query(sql.insertExchange, [exchange.name, exchange.type])).rowCount ?? 0;
          const { rows } = await client.query<{ type: string }>(sql.exchangeType, [exchange.name]);
          if (rows[0] && rows[0].type !== exchange.type) {
            throw new MessagingConfigurationError(
              `Exchange ${exchange.name} is declared as ${rows[0].type}, not ${exchange.type}; delete it or rename the new one`,
            );
          }
        }
        for (const queue of topology.queues) {
          const limit = queue.deliveryLimit > 0 ? queue.deliveryLimit : null;
          changed += (await client.query(sql.upsertQueue, [queue.name, limit, queue.retryTiersMs])).rowCount ?? 0;
          changed += (await client.query(sql.insertCompanion, [queueNames.error(queue.name), 'error', queue.name])).rowCount ?? 0;
          changed += (await client.query(sql.insertCompanion, [queueNames.dlq(queue.name), 'dlq', queue.name])).rowCount ?? 0;
          for (const binding of queue.bindings) {
            const { rows } = await client.query<{ type: string }>(sql.exchangeType, [binding.exchange]);
            if (!rows[0]) {
              throw new MessagingConfigurationError(`Queue ${queue.name} binds to exchange ${binding.exchange}, which is not declared`);
            }
            changed += (await client.query(sql.insertBinding, [binding.exchange, queue.name, binding.routingKey])).rowCount ?? 0;
          }
        }
        if (changed > 0) {
          await client.query(sql.bumpTopologyVersion);
          await client.query('SELECT pg_notify($1, $2)', [this.settings.topologyChannel, this.settings.instanceId]);
        }
      });
    } finally {
      this.stale = true;
    }
    await this.reload();
  }

  /** Reads the topology again; a call during a read waits for one more read that starts after it. */
  reload(): Promise<TopologyCache> {
    if (this.loading) {
      this.stale = true;
      return this.loading.then(() => (this.stale ? this.reload() : this.cache!));
    }
    this.stale = false;
    this.loading = this.read()
      .then((cache) => {
        this.cache = cache;
        return cache;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async read(): Promise<TopologyCache> {
    const sql = this.settings.sql;
    const pool = this.connection.db();
    // The version first: tables read after it are at least as new, so a mismatch can only
    // make a publisher reload once more, never route with bindings older than it believes.
    const { rows: versionRows } = await pool.query<{ version: string }>(sql.topologyVersion);
    const [exchanges, queues, bindings] = await Promise.all([
      pool.query<{ name: string; type: 'topic' | 'direct' }>(sql.loadExchanges),
      pool.query<{ name: string; kind: QueueInfo['kind']; delivery_limit: number | null; retry_tiers_ms: number[] }>(sql.loadQueues),
      pool.query<{ exchange: string; queue: string; routing_key: string }>(sql.loadBindings),
    ]);
    const cache: TopologyCache = { version: versionRows[0]?.version ?? '0', exchanges: new Map(), queues: new Map(), routes: new Map(), resolved: new Map() };
    for (const row of exchanges.rows) {
      cache.exchanges.set(row.name, row.type);
      cache.routes.set(row.name, []);
    }
    for (const row of queues.rows) {
      cache.queues.set(row.name, { kind: row.kind, deliveryLimit: row.delivery_limit, retryTiersMs: row.retry_tiers_ms ?? [] });
    }
    for (const row of bindings.rows) {
      const type = cache.exchanges.get(row.exchange);
      if (!type) continue;
      cache.routes.get(row.exchange)!.push({
        queue: row.queue,
        matches: type === 'topic' ? compileTopic(row.routing_key) : compileDirect(row.routing_key),
      });
    }
    return cache;
  }

  /** The topology, reloaded once from the database when `check` fails on the cached one. */
  async where(check: (t: TopologyCache) => boolean): Promise<TopologyCache> {
    const cached = await this.ready();
    if (check(cached)) return cached;
    return this.reload();
  }

  async queueInfo(queue: string): Promise<QueueInfo | undefined> {
    return (await this.where((t) => t.queues.has(queue))).queues.get(queue);
  }

  async requireQueue(queue: string): Promise<void> {
    if (!(await this.queueInfo(queue))) throw new MessagingConfigurationError(`Queue ${queue} is not declared`);
  }
}

/** The queues `routingKey` reaches through `exchange`'s bindings, each once. */
export function route(topology: TopologyCache, exchange: string, routingKey: string): string[] {
  const key = `${exchange}\0${routingKey}`;
  let queues = topology.resolved.get(key);
  if (!queues) {
    const targets = new Set<string>();
    for (const bound of topology.routes.get(exchange) ?? []) if (bound.matches(routingKey)) targets.add(bound.queue);
    queues = [...targets];
    if (topology.resolved.size > 10_000) topology.resolved.clear();
    topology.resolved.set(key, queues);
  }
  return queues;
}
