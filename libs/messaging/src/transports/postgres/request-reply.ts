import { v4 as uuidv4 } from 'uuid';
import type { WireMessage } from '../../envelope';
import { RequestTimeoutError } from '../../errors';
import type { MessagingLogger } from '../../logger';
import type { Connection } from './connection';
import { compareIds, toWire, type MessageRow } from './message-row';
import type { Publisher } from './publisher';
import type { Statements } from './sql';
import type { TopologyStore } from './topology';

interface PendingReply {
  resolve: (message: WireMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface RequestReplySettings {
  sql: Statements;
  schema: string;
  instanceId: string;
  /** Replies nobody collected are deleted after this long. */
  replyRetentionMs: number;
  logger: MessagingLogger;
}

/**
 * Request/reply over a queue of this instance's own, `<schema>.reply.<instanceId>`, that is not
 * declared: requests name it in `replyTo`, a reply is a row there correlated by the request's
 * message id, and collecting takes every row of it at once (on its NOTIFY, or by the poll while a
 * request waits). Replies left behind by a requester that went away are swept after a while.
 */
export class RequestReply {
  /** The queue replies to this instance's requests go to. */
  readonly queue: string;
  private readonly prefix: string;
  private readonly pending = new Map<string, PendingReply>();
  private collecting?: Promise<void>;
  private collectAgain = false;

  constructor(
    private readonly connection: Pick<Connection, 'db' | 'hasPool'>,
    private readonly publisher: Pick<Publisher, 'publish' | 'enqueue' | 'countUnroutable'>,
    private readonly topology: Pick<TopologyStore, 'queueInfo'>,
    private readonly settings: RequestReplySettings,
  ) {
    this.prefix = `${settings.schema}.reply.`;
    this.queue = `${this.prefix}${settings.instanceId}`;
  }

  /** Some request still waits for its reply (the poll then collects, in case a NOTIFY was missed). */
  get waiting(): boolean {
    return this.pending.size > 0;
  }

  async request(exchange: string, routingKey: string, message: WireMessage, timeoutMs: number): Promise<WireMessage> {
    const messageId = message.messageId || uuidv4();
    const outgoing: WireMessage = { ...message, messageId, replyTo: this.queue };
    const reply = new Promise<WireMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new RequestTimeoutError(message.type || routingKey, timeoutMs));
      }, timeoutMs);
      timer.unref();
      this.pending.set(messageId, { resolve, reject, timer });
    });
    try {
      await this.publisher.publish(exchange, routingKey, outgoing);
    } catch (error) {
      const pending = this.pending.get(messageId);
      if (pending) clearTimeout(pending.timer);
      this.pending.delete(messageId);
      reply.catch(() => undefined);
      throw error;
    }
    return reply;
  }

  async reply(replyTo: string, message: WireMessage): Promise<void> {
    const isReplyQueue = replyTo.startsWith(this.prefix);
    if (!isReplyQueue && !(await this.topology.queueInfo(replyTo))) {
      // Nobody can receive it (as AMQP's default exchange drops a reply to a vanished queue).
      this.publisher.countUnroutable();
      return;
    }
    await this.publisher.enqueue(replyTo, message);
  }

  /** Takes the replies that arrived; a call while a collection runs makes it go round once more. */
  collect(): void {
    if (this.collecting) {
      this.collectAgain = true;
      return;
    }
    this.collecting = (async () => {
      do {
        this.collectAgain = false;
        if (!this.connection.hasPool) return;
        const { rows } = await this.connection.db().query<MessageRow>(this.settings.sql.takeReplies, [this.queue]);
        for (const row of rows.sort((a, b) => compareIds(a.id, b.id))) {
          const key = row.correlation_id ?? '';
          const pending = this.pending.get(key);
          if (!pending) continue; // a late reply to a request that timed out
          clearTimeout(pending.timer);
          this.pending.delete(key);
          pending.resolve(toWire(row));
        }
      } while (this.collectAgain);
    })()
      .catch((error: Error) => this.settings.logger.warn('Could not collect replies', { error: error.message }))
      .finally(() => {
        this.collecting = undefined;
      });
  }

  /** Deletes the replies of every instance of the schema that nobody collected within the retention. */
  async sweep(): Promise<void> {
    if (!this.connection.hasPool) return;
    await this.connection.db().query(this.settings.sql.sweepReplies, [this.prefix, this.settings.replyRetentionMs]).catch(() => undefined);
  }

  /** Fails the requests still waiting and empties the reply queue: nobody will collect from it any more. */
  async close(): Promise<void> {
    for (const [id, reply] of this.pending) {
      clearTimeout(reply.timer);
      reply.reject(new Error('The PostgreSQL transport closed while waiting for a reply'));
      this.pending.delete(id);
    }
    if (this.connection.hasPool) await this.connection.db().query(this.settings.sql.takeReplies, [this.queue]).catch(() => undefined);
  }
}
