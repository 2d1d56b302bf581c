/**
 * Tables and statements of the PostgreSQL transport. Everything lives in one schema (`bus` by
 * default): exchanges, queues and bindings describe the topology; `messages` holds every queued
 * message as a row, claimed with `FOR UPDATE SKIP LOCKED` and leased through `locked_until`.
 */

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema name for the PostgreSQL transport: "${schema}"`);
}

/** Notification channels: one for queues (payload = queue name), one for topology changes. */
export function channels(schema: string): { queue: string; topology: string } {
  return { queue: `${schema}.queue`, topology: `${schema}.topology` };
}

/** 32-bit FNV-1a, as a signed int: the second key of the schema's advisory lock. */
export function advisoryKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    hash ^= schema.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** First key of every advisory lock the transport takes ('LEAP' in ASCII). */
export const ADVISORY_NAMESPACE = 0x4c454150;

/** Idempotent DDL, run under the schema's advisory lock. */
export function transportDdl(schema: string): string[] {
  assertSchemaName(schema);
  const s = `"${schema}"`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.exchanges (
       name        text PRIMARY KEY,
       type        text NOT NULL CHECK (type IN ('topic', 'direct')),
       declared_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.queues (
       name           text PRIMARY KEY,
       kind           text NOT NULL CHECK (kind IN ('main', 'error', 'dlq')),
       parent         text REFERENCES ${s}.queues (name) ON DELETE CASCADE,
       delivery_limit integer,
       retry_tiers_ms integer[] NOT NULL DEFAULT '{}',
       declared_at    timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.bindings (
       exchange    text NOT NULL REFERENCES ${s}.exchanges (name) ON DELETE CASCADE,
       queue       text NOT NULL REFERENCES ${s}.queues (name) ON DELETE CASCADE,
       routing_key text NOT NULL,
       PRIMARY KEY (exchange, queue, routing_key)
     )`,
    // Bumped by every declare that changes something: publishers compare it with the version of
    // their cached bindings in the publishing statement itself, so a stale cache never misroutes.
    `CREATE TABLE IF NOT EXISTS ${s}.topology_version (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       version   bigint NOT NULL DEFAULT 1
     )`,
    `INSERT INTO ${s}.topology_version (singleton, version) VALUES (true, 1) ON CONFLICT DO NOTHING`,
    `CREATE TABLE IF NOT EXISTS ${s}.messages (
       id             bigserial PRIMARY KEY,
       queue          text NOT NULL,
       message_id     text NOT NULL,
       type           text NOT NULL DEFAULT '',
       content_type   text NOT NULL DEFAULT 'application/json',
       timestamp_ms   bigint NOT NULL,
       correlation_id text,
       reply_to       text,
       headers        jsonb NOT NULL DEFAULT '{}'::jsonb,
       body           bytea NOT NULL,
       exchange       text NOT NULL DEFAULT '',
       routing_key    text NOT NULL DEFAULT '',
       retry_tier     text,
       enqueued_at    timestamptz NOT NULL DEFAULT now(),
       visible_at     timestamptz NOT NULL DEFAULT now(),
       locked_until   timestamptz,
       lock_token     uuid,
       locked_by      text,
       delivery_count integer NOT NULL DEFAULT 0
     )`,
    `CREATE INDEX IF NOT EXISTS messages_queue_id_idx ON ${s}.messages (queue, id)`,
    `CREATE INDEX IF NOT EXISTS messages_queue_visible_idx ON ${s}.messages (queue, visible_at)`,
    `CREATE INDEX IF NOT EXISTS messages_queue_message_id_idx ON ${s}.messages (queue, message_id)`,
    // What operators look at: per queue, ready, in flight, and waiting in each retry tier.
    `CREATE OR REPLACE VIEW ${s}.queue_depths AS
       SELECT queue,
              coalesce(retry_tier, '') AS retry_tier,
              count(*) FILTER (WHERE visible_at <= now() AND (locked_until IS NULL OR locked_until <= now())) AS ready,
              count(*) FILTER (WHERE locked_until > now()) AS in_flight,
              count(*) FILTER (WHERE visible_at > now()) AS delayed,
              min(enqueued_at) AS oldest
         FROM ${s}.messages
        GROUP BY queue, coalesce(retry_tier, '')`,
  ];
}

const MESSAGE_COLUMNS =
  'queue, message_id, type, content_type, timestamp_ms, correlation_id, reply_to, headers, body, exchange, routing_key';

/** Every statement the transport runs, with the schema filled in. */
export function statements(schema: string) {
  assertSchemaName(schema);
  const s = `"${schema}"`;
  const ready = `visible_at <= now() AND (locked_until IS NULL OR locked_until <= now())`;
  return {
    lockSchema: `SELECT pg_advisory_xact_lock(${ADVISORY_NAMESPACE}, ${advisoryKey(schema)})`,

    topologyVersion: `SELECT version FROM ${s}.topology_version`,
    bumpTopologyVersion: `UPDATE ${s}.topology_version SET version = version + 1`,
    loadExchanges: `SELECT name, type FROM ${s}.exchanges`,
    loadQueues: `SELECT name, kind, parent, delivery_limit, retry_tiers_ms FROM ${s}.queues`,
    mainQueues: `SELECT name FROM ${s}.queues WHERE kind = 'main' ORDER BY name`,
    loadBindings: `SELECT exchange, queue, routing_key FROM ${s}.bindings ORDER BY exchange, queue, routing_key`,

    insertExchange: `INSERT INTO ${s}.exchanges (name, type) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
    exchangeType: `SELECT type FROM ${s}.exchanges WHERE name = $1`,
    upsertQueue: `INSERT INTO ${s}.queues (name, kind, delivery_limit, retry_tiers_ms) VALUES ($1, 'main', $2, $3::integer[])
                  ON CONFLICT (name) DO UPDATE SET delivery_limit = EXCLUDED.delivery_limit, retry_tiers_ms = EXCLUDED.retry_tiers_ms
                  WHERE queues.delivery_limit IS DISTINCT FROM EXCLUDED.delivery_limit
                     OR queues.retry_tiers_ms IS DISTINCT FROM EXCLUDED.retry_tiers_ms`,
    insertCompanion: `INSERT INTO ${s}.queues (name, kind, parent) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
    insertBinding: `INSERT INTO ${s}.bindings (exchange, queue, routing_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,

    /**
     * One row per target queue; the notification (payload = queue name) is sent when the
     * statement's transaction commits. $13 is the delay in ms, $14 the channel, $15 whether to
     * notify. When $16 (the topology version the queues were routed with) is not null and no
     * longer current, nothing is inserted; the caller sees the current version and routes again.
     */
    insert: `WITH v AS (SELECT version FROM ${s}.topology_version),
             ins AS (
               INSERT INTO ${s}.messages (${MESSAGE_COLUMNS}, retry_tier, visible_at)
               SELECT t.q, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::bytea, $10, $11, $12,
                      now() + ($13::bigint * interval '1 millisecond')
                 FROM unnest($1::text[]) WITH ORDINALITY AS t(q, n)
                WHERE $16::bigint IS NULL OR $16::bigint = (SELECT version FROM v)
                ORDER BY t.n
               RETURNING queue),
             notified AS (
               SELECT pg_notify($14, d.queue) FROM (SELECT DISTINCT queue FROM ins) d WHERE $15::boolean)
             SELECT (SELECT version FROM v) AS version,
                    (SELECT count(*) FROM ins)::int AS inserted,
                    (SELECT count(*) FROM notified)::int AS notified`,

    /**
     * Claim up to $2 ready rows of queue $1 in insertion order under a lease of $3 ms. Rows whose
     * delivery would exceed the delivery limit $6 move to the dead-letter queue $7 instead.
     */
    claim: `WITH c AS MATERIALIZED (
              SELECT id, delivery_count FROM ${s}.messages
               WHERE queue = $1 AND ${ready}
               ORDER BY id
               LIMIT $2
               FOR UPDATE SKIP LOCKED),
            dead AS (
              DELETE FROM ${s}.messages m USING c
               WHERE m.id = c.id AND $6::integer IS NOT NULL AND c.delivery_count + 1 > $6::integer
              RETURNING m.*),
            moved AS (
              INSERT INTO ${s}.messages (${MESSAGE_COLUMNS})
              SELECT $7, message_id, type, content_type, timestamp_ms, correlation_id, reply_to, headers, body, exchange, routing_key
                FROM dead ORDER BY id
              RETURNING id),
            claimed AS (
              UPDATE ${s}.messages m
                 SET locked_until = now() + ($3::bigint * interval '1 millisecond'),
                     lock_token = $4::uuid,
                     locked_by = $5,
                     delivery_count = m.delivery_count + 1
                FROM c
               WHERE m.id = c.id AND ($6::integer IS NULL OR c.delivery_count + 1 <= $6::integer)
              RETURNING m.*)
            SELECT 'claimed' AS outcome, claimed.* FROM claimed
            UNION ALL
            SELECT 'dead' AS outcome, dead.* FROM dead`,

    ack: `DELETE FROM ${s}.messages WHERE id = $1 AND lock_token = $2::uuid`,
    /** Give rows back at once; $3 is subtracted from their delivery count (1 when they never reached a handler). */
    release: `WITH r AS (
                UPDATE ${s}.messages m
                   SET locked_until = NULL, lock_token = NULL, locked_by = NULL,
                       delivery_count = greatest(0, m.delivery_count - $3::integer)
                  FROM unnest($1::bigint[], $2::uuid[]) AS t(id, token)
                 WHERE m.id = t.id AND m.lock_token = t.token
                RETURNING m.queue)
              SELECT pg_notify($4, d.queue) FROM (SELECT DISTINCT queue FROM r) d`,
    renew: `UPDATE ${s}.messages m
               SET locked_until = now() + ($3::bigint * interval '1 millisecond')
              FROM unnest($1::bigint[], $2::uuid[]) AS t(id, token)
             WHERE m.id = t.id AND m.lock_token = t.token`,

    depth: `SELECT count(*)::int AS n FROM ${s}.messages WHERE queue = $1 AND ${ready}`,
    browse: `SELECT * FROM ${s}.messages WHERE queue = $1 ORDER BY id LIMIT $2`,
    drainNext: `SELECT * FROM ${s}.messages
                 WHERE queue = $1 AND id > $2 AND ($3::text[] IS NULL OR message_id = ANY($3::text[]))
                   AND (locked_until IS NULL OR locked_until <= now())
                 ORDER BY id LIMIT 1
                 FOR UPDATE SKIP LOCKED`,
    deleteById: `DELETE FROM ${s}.messages WHERE id = $1`,

    takeReplies: `DELETE FROM ${s}.messages WHERE queue = $1 RETURNING *`,
    /** Replies nobody collected (their requester is gone) are dropped after a while. */
    sweepReplies: `DELETE FROM ${s}.messages
                    WHERE left(queue, length($1)) = $1 AND enqueued_at < now() - ($2::bigint * interval '1 millisecond')`,
  };
}

export type Statements = ReturnType<typeof statements>;
