import { v7 as uuidv7 } from 'uuid';

/**
 * A CloudEvents 1.0 envelope (binary content mode): the attributes travel as message
 * properties and headers, the payload is the proto3 JSON mapping of the contract message.
 */
export interface Envelope<T = unknown> {
  /** UUIDv7; also the AMQP messageId. */
  id: string;
  specversion: '1.0';
  /** The message type with its version, also the routing key: `media.recording.trimmed.v1`. */
  type: string;
  /** The producing service, as a URI reference: `/leap/media-processing`. */
  source: string;
  /** RFC 3339 time of the state change. */
  time: string;
  /** The aggregate the message is about (ordering key), e.g. the recording id. */
  subject?: string;
  datacontenttype: 'application/json';
  /** The proto message that describes `data`, e.g. `leap.media.v1.RecordingTrimmed`. */
  dataschema: string;
  /** W3C trace context of the span that produced the message. */
  traceparent?: string;
  correlationid: string;
  causationid?: string;
  /** The tenant (user id) the message belongs to. */
  tenant?: string;
  data: T;
}

/** What a consumer sees besides the envelope. */
export interface DeliveryInfo {
  /** Queue the message was consumed from. */
  queue: string;
  /** How many times the retry tiers have already sent this message back (the `retry-count` header). */
  retryCount: number;
  /** Whether the broker says it delivered this message before (crash or nack). */
  redelivered: boolean;
  exchange: string;
  routingKey: string;
}

export const HEADER = {
  retryCount: 'retry-count',
  /** Where a message was first published, kept while it travels through retry tiers. */
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  faultType: 'x-fault-type',
  faultCode: 'x-fault-code',
  faultMessage: 'x-fault-message',
  faultStack: 'x-fault-stack',
  faultConsumer: 'x-fault-consumer',
  faultExchange: 'x-fault-original-exchange',
  faultRoutingKey: 'x-fault-original-routing-key',
  faultRetryCount: 'x-fault-retry-count',
  faultedAt: 'x-fault-failed-at',
  /** How many times operators replayed the message from a parking queue, and when last. */
  replayCount: 'x-replay-count',
  replayedAt: 'x-replayed-at',
} as const;

/** CloudEvents AMQP binding: application properties prefixed `cloudEvents:`. */
export const CE_PREFIX = 'cloudEvents:';

/** The wire form shared by every transport. */
export interface WireMessage {
  messageId: string;
  type: string;
  contentType: string;
  timestamp: number;
  correlationId?: string;
  replyTo?: string;
  headers: Record<string, string | number | boolean | null | undefined>;
  body: Buffer;
}

export function newMessageId(): string {
  return uuidv7();
}

export function toWire(envelope: Envelope, extraHeaders: Record<string, string | number> = {}): WireMessage {
  const headers: WireMessage['headers'] = { ...extraHeaders };
  for (const key of ['specversion', 'type', 'source', 'time', 'subject', 'dataschema', 'correlationid', 'causationid', 'tenant'] as const) {
    const value = envelope[key];
    if (value !== undefined) headers[CE_PREFIX + key] = value;
  }
  headers[CE_PREFIX + 'id'] = envelope.id;
  if (envelope.traceparent) headers.traceparent = envelope.traceparent;
  return {
    messageId: envelope.id,
    type: envelope.type,
    contentType: envelope.datacontenttype,
    timestamp: Date.parse(envelope.time),
    correlationId: envelope.correlationid,
    headers,
    body: Buffer.from(JSON.stringify(envelope.data)),
  };
}

export class MalformedEnvelopeError extends Error {}

export function fromWire(wire: WireMessage): Envelope {
  const h = wire.headers;
  const get = (k: string): string | undefined => {
    const v = h[CE_PREFIX + k];
    return v === undefined || v === null ? undefined : String(v);
  };
  const type = get('type') ?? wire.type;
  const id = get('id') ?? wire.messageId;
  if (!type || !id) throw new MalformedEnvelopeError('message has no CloudEvents id or type');
  let data: unknown;
  try {
    data = JSON.parse(wire.body.toString('utf8'));
  } catch {
    throw new MalformedEnvelopeError(`message ${id} body is not JSON`);
  }
  return {
    id,
    specversion: '1.0',
    type,
    source: get('source') ?? 'unknown',
    time: get('time') ?? new Date(wire.timestamp || Date.now()).toISOString(),
    subject: get('subject'),
    datacontenttype: 'application/json',
    dataschema: get('dataschema') ?? '',
    traceparent: h.traceparent === undefined || h.traceparent === null ? undefined : String(h.traceparent),
    correlationid: get('correlationid') ?? wire.correlationId ?? id,
    causationid: get('causationid'),
    tenant: get('tenant'),
    data,
  };
}
