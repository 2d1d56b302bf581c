import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import { LeapError, PgListener } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { EVENTS_CHANNEL, EventLog, type RecordingEvent } from './event-log.repository';
import { STREAM_GAP_EVENT } from './progress-event-types';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({ 'EVENTS.TOO_MANY_STREAMS': 'Too many event streams open' });

/** Events read per query while a stream catches up. */
const BATCH = 200;

/** The reconnection delay a client is told to use (the SSE `retry:` field), in milliseconds. */
export const STREAM_RETRY_MS = 3000;

/** One open stream: whose, of which recording (or all of the tenant's), and the last event it sent. */
interface Stream {
  userId: string;
  recordingId?: string;
  lastSeq: number;
  response: ServerResponse;
  /** A read is under way; `again` asks for one more when it ends. */
  reading: boolean;
  again: boolean;
  closed: boolean;
}

/** An event as one SSE message: `id`, `event` and one `data` line of JSON. */
export function sseMessage(event: RecordingEvent): string {
  const data = { ...event.data, occurredAt: new Date(event.occurredAt).toISOString() };
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The server-sent event streams of this replica. Every replica listens on one Postgres channel:
 * whichever replica's projection commits an event, the tenant's streams here are woken and read
 * the log after the last event each sent, so a stream is fed the same way whatever replica it is
 * on. One heartbeat timer serves every stream: it writes the comment line, then looks up, in one
 * query, the last sequence number of every tenant with a stream open, and wakes the streams that
 * are behind, so a notification lost while the listener reconnected only delays an event.
 */
@Injectable()
export class ProgressStreams implements OnModuleInit, OnModuleDestroy {
  private readonly byUser = new Map<string, Set<Stream>>();
  private readonly listener: PgListener;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly log: EventLog,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.listener = new PgListener({
      url: config.DATABASE_URL,
      applicationName: 'gateway-event-streams',
      channel: EVENTS_CHANNEL,
      logger: logger,
      who: 'Event streams',
      onNotification: (userId) => this.wakeUser(userId),
      onListening: () => {
        for (const userId of this.byUser.keys()) this.wakeUser(userId);
      },
    });
  }

  async onModuleInit(): Promise<void> {
    await this.listener.start();
    this.heartbeat = setInterval(() => void this.beat(), this.config.EVENTS_HEARTBEAT_INTERVAL);
    this.heartbeat.unref();
  }

  /** A comment on every stream, then a read for the streams whose tenant has events they have not sent. */
  private async beat(): Promise<void> {
    if (this.byUser.size === 0) return;
    for (const streams of this.byUser.values()) for (const stream of streams) if (!stream.closed) stream.response.write(': heartbeat\n\n');
    try {
      const rows: { userId: string; seq: string }[] = await this.log.lastSeqs([...this.byUser.keys()]);
      for (const row of rows) for (const stream of this.byUser.get(row.userId) ?? []) if (stream.lastSeq < Number(row.seq)) void this.read(stream);
    } catch (error) {
      this.logger.warn(`Event streams could not look for missed events; the next heartbeat tries again: ${(error as Error).message}`);
    }
  }

  /** Ends every open stream (clients reconnect elsewhere with Last-Event-ID), then stops listening. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const streams of this.byUser.values()) for (const stream of streams) this.close(stream, true);
    this.byUser.clear();
    await this.listener.stop();
  }

  /** How many streams this replica has open (for tests and metrics). */
  get openStreams(): number {
    let count = 0;
    for (const streams of this.byUser.values()) count += streams.size;
    return count;
  }

  /**
   * Starts streaming to `response`: the tenant's events after `afterSeq` (of one recording when
   * given), then each new one as it commits, with a heartbeat comment between them.
   */
  async open(response: ServerResponse, userId: string, afterSeq: number, recordingId?: string): Promise<void> {
    if ((this.byUser.get(userId)?.size ?? 0) >= this.config.EVENTS_MAX_STREAMS_PER_USER) {
      throw new LeapError('EVENTS.TOO_MANY_STREAMS', `At most ${this.config.EVENTS_MAX_STREAMS_PER_USER} event streams may be open at once; close one first`, {
        status: 429,
        details: { limit: this.config.EVENTS_MAX_STREAMS_PER_USER, retryAfterSeconds: Math.ceil(STREAM_RETRY_MS / 1000) },
      });
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies pass the stream on at once instead of buffering it.
      'X-Accel-Buffering': 'no',
    });
    response.write(`retry: ${STREAM_RETRY_MS}\n: connected\n\n`);
    const stream: Stream = {
      userId,
      recordingId,
      lastSeq: afterSeq,
      response,
      reading: false,
      again: false,
      closed: false,
    };
    const streams = this.byUser.get(userId) ?? new Set<Stream>();
    streams.add(stream);
    this.byUser.set(userId, streams);
    response.on('close', () => this.close(stream, false));
    await this.announceGap(stream);
    await this.read(stream);
  }

  private close(stream: Stream, end: boolean): void {
    if (stream.closed) return;
    stream.closed = true;
    const streams = this.byUser.get(stream.userId);
    streams?.delete(stream);
    if (streams?.size === 0) this.byUser.delete(stream.userId);
    if (end && !stream.response.writableEnded) stream.response.end();
  }

  private wakeUser(userId: string): void {
    for (const stream of this.byUser.get(userId) ?? []) void this.read(stream);
  }

  /** A stream that resumes after events the log no longer has says so first. */
  private async announceGap(stream: Stream): Promise<void> {
    if (stream.lastSeq === 0) return;
    const first = await this.log.firstKept(stream.userId);
    const last = await this.log.lastSeq(stream.userId);
    if ((first === undefined && last > stream.lastSeq) || (first !== undefined && first > stream.lastSeq + 1)) {
      stream.response.write(`event: ${STREAM_GAP_EVENT}\ndata: ${JSON.stringify({ lastEventId: String(stream.lastSeq) })}\n\n`);
    }
  }

  /** Sends what the log has after the stream's last event; one read at a time per stream. */
  private async read(stream: Stream): Promise<void> {
    if (stream.closed) return;
    if (stream.reading) {
      stream.again = true;
      return;
    }
    stream.reading = true;
    try {
      do {
        stream.again = false;
        // Every event of the tenant up to its last number now has committed (they commit in
        // order): a recording's stream may move past the other recordings' ones up to there.
        const ceiling = stream.recordingId ? await this.log.lastSeq(stream.userId) : 0;
        let events: RecordingEvent[];
        do {
          events = await this.log.after(stream.userId, stream.lastSeq, BATCH, stream.recordingId);
          for (const event of events) {
            if (stream.closed) return;
            stream.lastSeq = event.seq;
            if (!stream.response.write(sseMessage(event))) await this.drained(stream);
          }
        } while (events.length === BATCH && !stream.closed);
        if (ceiling > stream.lastSeq) stream.lastSeq = ceiling;
      } while (stream.again && !stream.closed);
    } catch (error) {
      this.logger.warn(`Event stream read failed; the next heartbeat tries again: ${(error as Error).message}`, { userId: stream.userId });
    } finally {
      stream.reading = false;
    }
  }

  /** Waits until a slow client took what was written (or went away). */
  private drained(stream: Stream): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        stream.response.off('drain', done);
        stream.response.off('close', done);
        resolve();
      };
      stream.response.on('drain', done);
      stream.response.on('close', done);
    });
  }
}
