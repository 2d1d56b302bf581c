import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type GetOrphanReport, type Orphan, type OrphanReport, type ScanOrphans } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { COMMANDS_QUEUE } from '../catalogue/catalogue.consumer';
import type { Finding } from './orphan-plan';
import { OrphanScansRepository } from './orphan-scans.repository';

/** Operators' orphan scans: a request (run by the next round, on one replica) and the last report. */
@Injectable()
export class OrphansConsumer {
  constructor(private readonly scans: OrphanScansRepository) {}

  /** The scan is queued as a row with the message's id: a redelivered command asks for no second scan. */
  @MessageHandler(MESSAGE_TYPES.storage.ScanOrphans, { queue: COMMANDS_QUEUE })
  async scan(ctx: MessageContext<ScanOrphans>): Promise<void> {
    await this.scans.request(ctx.manager, { id: ctx.envelope.id, requestedBy: ctx.data.requestedBy || 'operator', repair: ctx.data.repair ?? false });
  }

  @MessageHandler(MESSAGE_TYPES.storage.GetOrphanReport, { queue: COMMANDS_QUEUE })
  async report(ctx: MessageContext<GetOrphanReport>): Promise<OrphanReport> {
    const { report, pending } = await this.scans.latest(ctx.manager);
    if (!report) return { pending };
    const orphan = (f: Finding): Orphan => ({ key: f.key, userId: f.userId, recordingId: f.recordingId, sizeBytes: f.sizeBytes, reason: f.reason, repaired: f.repaired ?? false });
    return {
      reportId: report.id,
      ...(report.startedAt ? { startedAt: new Date(report.startedAt).toISOString() } : {}),
      ...(report.finishedAt ? { finishedAt: new Date(report.finishedAt).toISOString() } : {}),
      repair: report.repair,
      requestedBy: report.requestedBy,
      objectsScanned: report.objectsScanned,
      rowsScanned: report.rowsScanned,
      objectsWithoutRecording: report.objectsWithoutRecording.map(orphan),
      rowsWithoutObject: report.rowsWithoutObject.map(orphan),
      ...(report.error ? { error: report.error } : {}),
      pending,
    };
  }
}
