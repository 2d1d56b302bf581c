import type { WireMessage } from '../../envelope';

/** A row of `messages` as the claim, browse and reply statements return it. */
export interface MessageRow {
  /** Set by the claim: delivered to a handler, or moved to the dead-letter queue. */
  outcome?: 'claimed' | 'dead';
  id: string;
  queue: string;
  message_id: string;
  type: string;
  content_type: string;
  timestamp_ms: string;
  correlation_id: string | null;
  reply_to: string | null;
  headers: WireMessage['headers'] | null;
  body: Buffer;
  exchange: string;
  routing_key: string;
  delivery_count: number;
}

export function toWire(row: MessageRow): WireMessage {
  return {
    messageId: row.message_id,
    type: row.type,
    contentType: row.content_type,
    timestamp: Number(row.timestamp_ms),
    correlationId: row.correlation_id ?? undefined,
    replyTo: row.reply_to ?? undefined,
    headers: { ...(row.headers ?? {}) },
    body: row.body,
  };
}

/** Orders `bigserial` ids, which arrive as strings: a shorter one is a smaller number. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
