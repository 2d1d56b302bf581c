import { createHash } from 'node:crypto';
import { HEADER, CE_PREFIX, type WireMessage } from './envelope';
import { purgeParked, replayParked } from './parking-lot';
import { queueNames, type Transport } from './transport';

/**
 * Operators' view of every parking queue on the broker, the same on both transports: what is
 * parked (`<queue>.error`) or dead-lettered (`<queue>.dlq`), grouped by fault, and the replay and
 * purge of one message, a group, a queue or everything.
 */

export type ParkingSource = 'error' | 'dlq';

/** What a dead-lettered message (no fault headers: the consumer never got to record one) is filed under. */
export const DELIVERY_LIMIT_FAULT = 'MESSAGING.DELIVERY_LIMIT';

export interface Fault {
  /** The stable error code (`x-fault-code`), or `MESSAGING.DELIVERY_LIMIT` for a dead letter. */
  code: string;
  /** The error class. */
  type?: string;
  message: string;
  consumer?: string;
  retryCount?: number;
  /** When it was parked (a dead letter: when it was first published). */
  failedAt: string;
}

/** One parked message in short, as lists show it. */
export interface ParkedSummary {
  /** `<parking queue>:<message id>`, e.g. `media.trim.error:0195…`: one message in one parking queue. */
  id: string;
  queue: string;
  source: ParkingSource;
  messageId: string;
  type: string;
  subject?: string;
  tenant?: string;
  fault: Fault;
  /** The group of messages with the same queue, type and fault (see `faultFingerprint`). */
  group: string;
  replayCount: number;
}

/** One parked message in full. */
export interface ParkedDetail extends ParkedSummary {
  fault: Fault & { stack?: string; originalExchange?: string; originalRoutingKey?: string };
  headers: Record<string, string | number | boolean | null>;
  contentType: string;
  /** The body as JSON when it is JSON, else as text. */
  payload: unknown;
}

export interface ParkedGroup {
  group: string;
  queue: string;
  source: ParkingSource;
  type: string;
  code: string;
  /** The fault message of the first message, ids and numbers as they were. */
  sample: string;
  fingerprint: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  messageIds: string[];
}

export interface QueueDepths {
  queue: string;
  /** Ready messages waiting for the consumer. */
  depth: number;
  /** In `<queue>.error`. */
  error: number;
  /** In `<queue>.dlq`. */
  dlq: number;
}

/**
 * A fault message with what varies between messages of the same fault taken out (ids, numbers,
 * quoted values), so that "Recording 0195… not found" and "Recording 0196… not found" group
 * together.
 */
export function faultFingerprint(message: string): string {
  return message
    .slice(0, 500)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/"[^"]*"|'[^']*'/g, '<value>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The group id: the same for every message of one queue, parking source, type, fault code and fingerprint. */
export function groupOf(queue: string, source: ParkingSource, type: string, code: string, fingerprint: string): string {
  return createHash('sha256').update([queue, source, type, code, fingerprint].join('\u0000')).digest('hex').slice(0, 12);
}

export function parkedId(queue: string, source: ParkingSource, messageId: string): string {
  return `${source === 'error' ? queueNames.error(queue) : queueNames.dlq(queue)}:${messageId}`;
}

/** `media.trim.error:0195…` → queue `media.trim`, source `error`, the message id; undefined when it is not such an id. */
export function parseParkedId(id: string): { queue: string; source: ParkingSource; messageId: string } | undefined {
  const match = /^(.+)\.(error|dlq):([^:\s]+)$/.exec(id);
  if (!match) return undefined;
  return { queue: match[1]!, source: match[2] as ParkingSource, messageId: match[3]! };
}

const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));

export function describeParked(queue: string, source: ParkingSource, message: WireMessage): ParkedDetail {
  const h = message.headers;
  const type = text(h[`${CE_PREFIX}type`]) ?? message.type ?? '';
  const fallbackTime = new Date(message.timestamp || 0).toISOString();
  const fault: ParkedDetail['fault'] =
    h[HEADER.faultCode] !== undefined || source === 'error'
      ? {
          code: text(h[HEADER.faultCode]) ?? 'UNKNOWN',
          type: text(h[HEADER.faultType]),
          message: text(h[HEADER.faultMessage]) ?? '',
          consumer: text(h[HEADER.faultConsumer]),
          retryCount: h[HEADER.faultRetryCount] === undefined ? undefined : Number(h[HEADER.faultRetryCount]),
          failedAt: text(h[HEADER.faultedAt]) ?? fallbackTime,
          stack: text(h[HEADER.faultStack]),
          originalExchange: text(h[HEADER.faultExchange]),
          originalRoutingKey: text(h[HEADER.faultRoutingKey]),
        }
      : {
          code: DELIVERY_LIMIT_FAULT,
          message: 'Delivered more times than the delivery limit without being acknowledged (the consumer crashed or hung)',
          failedAt: fallbackTime,
          originalExchange: text(h[HEADER.originalExchange]),
          originalRoutingKey: text(h[HEADER.originalRoutingKey]),
        };
  const fingerprint = faultFingerprint(fault.message);
  const headers: ParkedDetail['headers'] = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && typeof v !== 'object') headers[k] = v;
  else if (v !== undefined) headers[k] = JSON.stringify(v);
  const body = message.body.toString('utf8');
  let payload: unknown = body;
  try {
    payload = JSON.parse(body);
  } catch {
    // shown as text
  }
  return {
    id: parkedId(queue, source, message.messageId),
    queue,
    source,
    messageId: message.messageId,
    type,
    subject: text(h[`${CE_PREFIX}subject`]),
    tenant: text(h[`${CE_PREFIX}tenant`]),
    fault,
    group: groupOf(queue, source, type, fault.code, fingerprint),
    replayCount: Number(h[HEADER.replayCount] ?? 0),
    headers,
    contentType: message.contentType,
    payload,
  };
}

export function summaryOf(detail: ParkedDetail): ParkedSummary {
  const { stack: _stack, originalExchange: _e, originalRoutingKey: _k, ...fault } = detail.fault;
  return {
    id: detail.id,
    queue: detail.queue,
    source: detail.source,
    messageId: detail.messageId,
    type: detail.type,
    subject: detail.subject,
    tenant: detail.tenant,
    fault,
    group: detail.group,
    replayCount: detail.replayCount,
  };
}

/** Messages grouped by queue, source, type and fault; the largest groups first. */
export function groupParked(messages: ParkedSummary[]): ParkedGroup[] {
  const groups = new Map<string, ParkedGroup>();
  for (const m of messages) {
    const group = groups.get(m.group);
    if (!group) {
      groups.set(m.group, {
        group: m.group,
        queue: m.queue,
        source: m.source,
        type: m.type,
        code: m.fault.code,
        sample: m.fault.message,
        fingerprint: faultFingerprint(m.fault.message),
        count: 1,
        firstSeen: m.fault.failedAt,
        lastSeen: m.fault.failedAt,
        messageIds: [m.messageId],
      });
      continue;
    }
    group.count++;
    group.messageIds.push(m.messageId);
    if (m.fault.failedAt < group.firstSeen) group.firstSeen = m.fault.failedAt;
    if (m.fault.failedAt > group.lastSeen) group.lastSeen = m.fault.failedAt;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.queue.localeCompare(b.queue) || a.group.localeCompare(b.group));
}

/** Which parked messages an operation takes: named ones, a group, a queue's, or all. */
export type ParkedSelection = { ids: string[] } | { group: string } | { queue: string; source?: ParkingSource } | { all: true };

/** What an operation did per parking queue. */
export interface ParkedOutcome {
  queue: string;
  source: ParkingSource;
  count: number;
}

const SOURCES: ParkingSource[] = ['error', 'dlq'];

export class DeadLetters {
  constructor(
    private readonly transport: Transport,
    /** How many messages of each parking queue are looked at when listing (the rest is counted, not shown). */
    private readonly browseLimit = 1000,
  ) {}

  async queues(): Promise<QueueDepths[]> {
    const names = await this.transport.queues();
    const found = await Promise.all(
      names.map(async (queue): Promise<QueueDepths | undefined> => {
        try {
          const [depth, error, dlq] = await Promise.all([
            this.transport.depth(queue),
            this.transport.depth(queueNames.error(queue)),
            this.transport.depth(queueNames.dlq(queue)),
          ]);
          return { queue, depth, error, dlq };
        } catch {
          return undefined; // listed once, deleted since (the broker no longer knows it)
        }
      }),
    );
    return found.filter((q): q is QueueDepths => q !== undefined);
  }

  /** Every parked message of `queue` (or of every queue with something parked), oldest first per queue. */
  async list(filter: { queue?: string } = {}): Promise<ParkedDetail[]> {
    const depths = (await this.queues()).filter((q) => (filter.queue === undefined || q.queue === filter.queue) && q.error + q.dlq > 0);
    const out: ParkedDetail[] = [];
    for (const q of depths) {
      for (const source of SOURCES) {
        if (q[source] === 0) continue;
        const name = source === 'error' ? queueNames.error(q.queue) : queueNames.dlq(q.queue);
        for (const parked of await this.transport.browse(name, this.browseLimit)) out.push(describeParked(q.queue, source, parked.message));
      }
    }
    return out;
  }

  async show(id: string): Promise<ParkedDetail | undefined> {
    const parsed = parseParkedId(id);
    if (!parsed) return undefined;
    const name = parsed.source === 'error' ? queueNames.error(parsed.queue) : queueNames.dlq(parsed.queue);
    const found = (await this.transport.browse(name, this.browseLimit)).find((p) => p.message.messageId === parsed.messageId);
    return found && describeParked(parsed.queue, parsed.source, found.message);
  }

  /**
   * Which messages `selection` takes, per parking queue: `undefined` message ids mean the whole
   * queue (so messages parked while it runs are taken too).
   */
  async resolve(selection: ParkedSelection): Promise<{ queue: string; source: ParkingSource; messageIds?: string[]; expected: number }[]> {
    if ('ids' in selection) {
      const byQueue = new Map<string, { queue: string; source: ParkingSource; messageIds: string[]; expected: number }>();
      for (const id of selection.ids) {
        const parsed = parseParkedId(id);
        if (!parsed) continue;
        const key = `${parsed.queue}|${parsed.source}`;
        const entry = byQueue.get(key) ?? { queue: parsed.queue, source: parsed.source, messageIds: [], expected: 0 };
        entry.messageIds.push(parsed.messageId);
        entry.expected++;
        byQueue.set(key, entry);
      }
      return [...byQueue.values()];
    }
    if ('group' in selection) {
      const group = groupParked((await this.list()).map(summaryOf)).find((g) => g.group === selection.group);
      return group ? [{ queue: group.queue, source: group.source, messageIds: group.messageIds, expected: group.count }] : [];
    }
    const depths = (await this.queues()).filter((q) => !('queue' in selection) || q.queue === selection.queue);
    const sources = 'queue' in selection && selection.source ? [selection.source] : SOURCES;
    return depths.flatMap((q) => sources.filter((s) => q[s] > 0).map((source) => ({ queue: q.queue, source, expected: q[source] })));
  }

  /** Sends the selected messages back to their queues (see `replayedCopy`); how many per parking queue. */
  async replay(selection: ParkedSelection, replayedAt = new Date()): Promise<ParkedOutcome[]> {
    const out: ParkedOutcome[] = [];
    for (const target of await this.resolve(selection)) {
      const count = await replayParked(this.transport, target.queue, { source: target.source, messageIds: target.messageIds, replayedAt });
      out.push({ queue: target.queue, source: target.source, count });
    }
    return out;
  }

  /** Drops the selected messages for good; how many per parking queue. */
  async purge(selection: ParkedSelection): Promise<ParkedOutcome[]> {
    const out: ParkedOutcome[] = [];
    for (const target of await this.resolve(selection)) {
      const count = await purgeParked(this.transport, target.queue, { source: target.source, messageIds: target.messageIds });
      out.push({ queue: target.queue, source: target.source, count });
    }
    return out;
  }
}
