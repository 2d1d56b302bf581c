import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, type StorageUsageChanged } from '@leap/contracts';
import { MessageBus, newMessageId, type MessagingLogger } from '@leap/messaging';
import { ExclusiveSchedule, type ExclusiveOutcome } from '@leap/persistence';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { ObjectStore } from '@leap/storage-client';
import { ObjectCatalogueRepository } from '../catalogue/object-catalogue.repository';
import type { StorageConfig } from '../config/config.schema';
import { objectsWithoutRecording, type Finding, type Presence } from './orphan-plan';
import { OrphanScansRepository, type OrphanScanRow } from './orphan-scans.repository';

/** Recordings per question to ingest. */
const LOOKUP_BATCH = 1000;

/**
 * The orphan scan: objects under `users/<u>/recordings/<r>/` that no live or restorable recording
 * owns (ingest is asked which recordings exist), and catalogue rows whose object is gone. It
 * reports; a repair scan also deletes those objects and rows and publishes the owners' new usage.
 * Scans run one at a time across replicas (`ExclusiveSchedule`, lock `storage.orphan-scan`): an
 * operator's request is a row that the next round takes (every ORPHAN_SCAN_POLL_INTERVAL on each
 * replica); the schedule adds a report-only scan every ORPHAN_SCAN_INTERVAL.
 */
@Injectable()
export class OrphanScanService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly schedule: ExclusiveSchedule<OrphanScanRow | undefined>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: MessageBus,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly catalogue: ObjectCatalogueRepository,
    private readonly scans: OrphanScansRepository,
    @Inject(SERVICE_CONFIG) private readonly config: StorageConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {
    this.schedule = new ExclusiveSchedule({
      name: 'storage.orphan-scan',
      dataSource,
      intervalMs: config.ORPHAN_SCAN_POLL_INTERVAL,
      logger,
      run: () => this.round(),
      onResult: (scan) => {
        if (scan) this.logger.info('Orphan scan finished', { scanId: scan.id, repair: scan.repair, requestedBy: scan.requestedBy });
      },
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.schedule.stop();
  }

  /** One round now (specs); `{ ran: false }` while another replica's round holds the lock. */
  runOnce(): Promise<ExclusiveOutcome<OrphanScanRow | undefined>> {
    return this.schedule.runOnce();
  }

  /** Takes the oldest scan asked for, else adds the schedule's when it is due, and runs it. */
  private async round(): Promise<OrphanScanRow | undefined> {
    const manager = this.dataSource.manager;
    let scan = await this.scans.nextPending(manager);
    if (!scan && this.config.ORPHAN_SCAN_INTERVAL > 0) {
      const last = await this.scans.lastScheduledAt(manager);
      if (!last || Date.now() - last.getTime() >= this.config.ORPHAN_SCAN_INTERVAL) {
        await this.scans.request(manager, { id: newMessageId(), requestedBy: 'schedule', repair: false });
        scan = await this.scans.nextPending(manager);
      }
    }
    if (!scan) return undefined;
    await this.scans.start(manager, scan.id, new Date());
    try {
      const result = await this.scan(scan.repair);
      await this.scans.finish(manager, scan.id, result);
    } catch (error) {
      // A scan that cannot finish (ingest does not answer) ends with its error rather than coming back every round.
      this.logger.warn(`Orphan scan ${scan.id} failed: ${(error as Error).message}`);
      await this.scans.finish(manager, scan.id, { objectsScanned: 0, rowsScanned: 0, objectsWithoutRecording: [], rowsWithoutObject: [], error: (error as Error).message });
    }
    return scan;
  }

  private async scan(repair: boolean) {
    const now = new Date();
    const objects = (await this.store.list('users/')).filter((o) => /^users\/[^/]+\/recordings\/[^/]+\//.test(o.key));
    const recordingIds = [...new Set(objects.map((o) => o.key.split('/')[3]!))];
    const recordings = await this.lookup(recordingIds);
    const orphans = objectsWithoutRecording(objects, recordings, now, this.config.ORPHAN_MIN_AGE);

    const listed = new Set(objects.map((o) => o.key));
    const rows = await this.catalogue.all(this.dataSource.manager);
    const missing: Finding[] = [];
    for (const row of rows) {
      // Listed before the row was read, or written since: only a row whose object is gone now counts.
      if (listed.has(row.key) || (await this.store.exists(row.key))) continue;
      missing.push({ key: row.key, userId: row.userId, recordingId: row.recordingId, sizeBytes: row.sizeBytes, reason: 'NO_OBJECT' });
    }
    if (repair) await this.repair(orphans, missing);
    return { objectsScanned: objects.length, rowsScanned: rows.length, objectsWithoutRecording: orphans, rowsWithoutObject: missing };
  }

  /** Owner and state of each recording ingest knows, asked in batches. */
  private async lookup(ids: string[]): Promise<Map<string, Presence>> {
    const found = new Map<string, Presence>();
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
      const reply = await this.bus.request(MESSAGE_TYPES.ingest.LookupRecordings, { recordingIds: ids.slice(i, i + LOOKUP_BATCH) }, { timeoutMs: this.config.ORPHAN_LOOKUP_TIMEOUT });
      for (const r of reply.recordings ?? []) found.set(r.recordingId, { userId: r.userId, deleteState: r.deleteState || null });
    }
    return found;
  }

  /**
   * Deletes the orphaned objects (and any row of theirs) and the rows without an object, per user
   * in one transaction that also publishes the user's new usage, computed from the catalogue as
   * every other change is.
   */
  private async repair(orphans: Finding[], missing: Finding[]): Promise<void> {
    for (const orphan of orphans) {
      await this.store.delete(orphan.key);
      orphan.repaired = true;
    }
    const byUser = new Map<string, string[]>();
    for (const finding of [...orphans, ...missing]) byUser.set(finding.userId, [...(byUser.get(finding.userId) ?? []), finding.key]);
    for (const [userId, keys] of byUser) {
      await this.dataSource.transaction(async (tx) => {
        await this.catalogue.lockUser(tx, userId);
        const before = await this.catalogue.totalBytes(tx, userId);
        await this.catalogue.deleteKeys(tx, userId, keys);
        const after = await this.catalogue.totalBytes(tx, userId);
        if (after === before) return;
        const event: StorageUsageChanged = { userId, totalBytes: after.toString(), deltaBytes: (after - before).toString() };
        await this.bus.publish(tx, MESSAGE_TYPES.storage.StorageUsageChanged, event, { subject: userId, tenant: userId });
      });
    }
    for (const row of missing) row.repaired = true;
  }
}
