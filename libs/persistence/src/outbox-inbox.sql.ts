/**
 * The transactional outbox and the inbox that every service schema carries. A state change
 * and the events it causes commit together (outbox); a handler's effect and the id of the
 * message that caused it commit together (inbox), so a redelivered message has no second effect.
 */
export function outboxInboxDdl(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.outbox (
      seq             bigserial PRIMARY KEY,
      id              uuid NOT NULL UNIQUE,
      exchange        text NOT NULL,
      routing_key     text NOT NULL,
      aggregate_id    text NOT NULL,
      message         jsonb NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error      text,
      sent_at         timestamptz,
      abandoned_at    timestamptz
    )`,
    `CREATE INDEX IF NOT EXISTS outbox_pending_idx ON ${s}.outbox (seq) WHERE sent_at IS NULL AND abandoned_at IS NULL`,
    `CREATE INDEX IF NOT EXISTS outbox_aggregate_pending_idx ON ${s}.outbox (aggregate_id, seq) WHERE sent_at IS NULL AND abandoned_at IS NULL`,
    `CREATE TABLE IF NOT EXISTS ${s}.inbox (
      message_id   uuid NOT NULL,
      consumer     text NOT NULL,
      message_type text NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, consumer)
    )`,
    `CREATE INDEX IF NOT EXISTS inbox_received_at_idx ON ${s}.inbox (received_at)`,
  ];
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}
