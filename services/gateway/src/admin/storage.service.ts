import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeapError } from '@leap/errors';
import { MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG } from '@leap/platform';
import { MESSAGE_TYPES, type Orphan, type ScanOrphans } from '@leap/contracts';
import type { GatewayConfig } from '../config/config.schema';

const orphan = (o: Orphan) => ({
  key: o.key,
  userId: o.userId ?? '',
  recordingId: o.recordingId ?? '',
  sizeBytes: Number(o.sizeBytes ?? 0),
  reason: o.reason,
  repaired: o.repaired ?? false,
});

/** The operators' orphan scan: asks the storage service for its last report, or queues a scan (and repair). */
@Injectable()
export class AdminStorageService {
  constructor(
    private readonly bus: MessageBus,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'STORAGE_REQUEST_TIMEOUT'>,
  ) {}

  async report() {
    let r;
    try {
      r = await this.bus.request(MESSAGE_TYPES.storage.GetOrphanReport, {}, { timeoutMs: this.config.STORAGE_REQUEST_TIMEOUT });
    } catch (error) {
      throw new LeapError('STORAGE.UNAVAILABLE', 'The storage service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
    return {
      id: r.reportId || null,
      startedAt: r.startedAt ?? null,
      finishedAt: r.finishedAt ?? null,
      repair: r.repair ?? false,
      requestedBy: r.requestedBy || null,
      objectsScanned: r.objectsScanned ?? 0,
      rowsScanned: r.rowsScanned ?? 0,
      objectsWithoutRecording: (r.objectsWithoutRecording ?? []).map(orphan),
      rowsWithoutObject: (r.rowsWithoutObject ?? []).map(orphan),
      error: r.error || null,
      pending: r.pending ?? false,
    };
  }

  /** Queues a scan through the outbox: the storage service runs it on one replica within seconds. */
  async scan(adminId: string, repair: boolean) {
    const command: ScanOrphans = { repair, requestedBy: adminId };
    await this.dataSource.transaction((manager) => this.bus.send(manager, MESSAGE_TYPES.storage.ScanOrphans, command));
    return { pending: true, repair, links: { report: '/api/v1/admin/storage/orphans' } };
  }
}
