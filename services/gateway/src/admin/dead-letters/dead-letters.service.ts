import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { DeadLetters, groupParked, summaryOf, type ParkedOutcome, type ParkedSelection, type Transport } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER, TRANSPORT } from '@leap/platform';
import type { Principal } from '../../access/principal';
import type { GatewayConfig } from '../../config/config.schema';
import { AuditLog } from '../audit-log.service';
import { confirmationInvalid, confirmationRequired, parkedNotFound } from './problems';
import { PurgeConfirmation } from './purge-confirmation';

/**
 * Dead-letter operations for operators. The gateway reaches every service's parking queues
 * through the transport it shares with them (RabbitMQ, or the PostgreSQL transport in embedded
 * mode), so what it shows and does is the same on both. Each replay and purge is one audit entry:
 * who, what they named, and how many messages it took per queue.
 */
@Injectable()
export class DeadLettersService {
  private readonly deadLetters: DeadLetters;
  private readonly confirmations: PurgeConfirmation;

  constructor(
    @Inject(TRANSPORT) private readonly transport: Transport,
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
    @Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'JWT_SECRET'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.deadLetters = new DeadLetters(transport);
    this.confirmations = new PurgeConfirmation(createHmac('sha256', config.JWT_SECRET).update('leap:purge-confirmation').digest());
  }

  async queues() {
    const queues = await this.deadLetters.queues();
    return { transport: this.transport.kind, queues, parked: queues.reduce((n, q) => n + q.error + q.dlq, 0) };
  }

  async list(queue?: string) {
    return { messages: (await this.deadLetters.list({ queue })).map(summaryOf) };
  }

  async groups(queue?: string) {
    return { groups: groupParked((await this.deadLetters.list({ queue })).map(summaryOf)) };
  }

  async show(id: string) {
    const found = await this.deadLetters.show(id);
    if (!found) throw parkedNotFound(id);
    return found;
  }

  async replay(actor: Principal, selection: ParkedSelection) {
    await this.requireFound(selection);
    const queues = await this.deadLetters.replay(selection);
    const replayed = total(queues);
    await this.audit(actor, 'parked.replayed', selection, queues);
    this.logger.info(`Replayed ${replayed} parked message(s)`, { actor: actor.userId, target: targetOf(selection), count: replayed });
    return { replayed, queues };
  }

  /** Without `confirm`: nothing happens, and the answer (409) says how many would go and with which token to confirm. */
  async purge(actor: Principal, selection: ParkedSelection, confirm: string | undefined) {
    if (confirm === undefined) {
      await this.requireFound(selection);
      const count = (await this.deadLetters.resolve(selection)).reduce((n, t) => n + t.expected, 0);
      const { token, expiresAt } = this.confirmations.issue(actor.userId, selection);
      throw confirmationRequired(count, token, expiresAt);
    }
    if (!this.confirmations.verify(confirm, actor.userId, selection)) throw confirmationInvalid();
    const queues = await this.deadLetters.purge(selection);
    const purged = total(queues);
    await this.audit(actor, 'parked.purged', selection, queues);
    this.logger.warn(`Purged ${purged} parked message(s)`, { actor: actor.userId, target: targetOf(selection), count: purged });
    return { purged, queues };
  }

  /** One named message that is not parked (any more) is a 404, so a repeated replay says so instead of "0 replayed". */
  private async requireFound(selection: ParkedSelection): Promise<void> {
    if (!('ids' in selection) || selection.ids.length !== 1) return;
    await this.show(selection.ids[0]!);
  }

  private async audit(actor: Principal, action: string, selection: ParkedSelection, queues: ParkedOutcome[]): Promise<void> {
    await this.dataSource.transaction((manager) =>
      this.auditLog.record(manager, {
        actor,
        action,
        targetType: 'parked-messages',
        targetId: targetOf(selection),
        changes: { before: { selection }, after: { count: total(queues), queues } },
      }),
    );
  }
}

const total = (queues: ParkedOutcome[]) => queues.reduce((n, q) => n + q.count, 0);

/** How the audit log names what an operation took: a message id, `group:<id>`, `queue:<name>`, or `all`. */
function targetOf(selection: ParkedSelection): string {
  if ('ids' in selection) return selection.ids.length === 1 ? selection.ids[0]! : `ids:${selection.ids.length}`;
  if ('group' in selection) return `group:${selection.group}`;
  if ('queue' in selection) return `queue:${selection.queue}${selection.source ? `.${selection.source}` : ''}`;
  return 'all';
}
