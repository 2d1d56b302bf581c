import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Finding } from './orphan-plan';

/** One scan as the report shows it. */
export interface OrphanScanRow {
  id: string;
  requestedBy: string;
  repair: boolean;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  objectsScanned: number;
  rowsScanned: number;
  objectsWithoutRecording: Finding[];
  rowsWithoutObject: Finding[];
  error: string | null;
}

const COLUMNS = `id, requested_by AS "requestedBy", repair, requested_at AS "requestedAt", started_at AS "startedAt", finished_at AS "finishedAt",
  objects_scanned AS "objectsScanned", rows_scanned AS "rowsScanned", objects_without_recording AS "objectsWithoutRecording",
  rows_without_object AS "rowsWithoutObject", error`;

/** The orphan scans (`orphan_scans`): requests, the one running, and their reports. */
@Injectable()
export class OrphanScansRepository {
  async request(tx: EntityManager, scan: { id: string; requestedBy: string; repair: boolean }): Promise<void> {
    await tx.query(`INSERT INTO orphan_scans (id, requested_by, repair) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [scan.id, scan.requestedBy, scan.repair]);
  }

  /** The oldest scan not finished (asked for, or left by a replica that died running it). */
  async nextPending(tx: EntityManager): Promise<OrphanScanRow | undefined> {
    const rows: OrphanScanRow[] = await tx.query(`SELECT ${COLUMNS} FROM orphan_scans WHERE finished_at IS NULL ORDER BY requested_at LIMIT 1`);
    return rows[0];
  }

  /** When the last scan the schedule asked for was asked. */
  async lastScheduledAt(tx: EntityManager): Promise<Date | undefined> {
    const rows: { at: Date | null }[] = await tx.query(`SELECT max(requested_at) AS at FROM orphan_scans WHERE requested_by = 'schedule'`);
    return rows[0]?.at ?? undefined;
  }

  async start(tx: EntityManager, id: string, at: Date): Promise<void> {
    await tx.query(`UPDATE orphan_scans SET started_at = $2 WHERE id = $1`, [id, at]);
  }

  async finish(
    tx: EntityManager,
    id: string,
    result: { objectsScanned: number; rowsScanned: number; objectsWithoutRecording: Finding[]; rowsWithoutObject: Finding[]; error?: string },
  ): Promise<void> {
    await tx.query(
      `UPDATE orphan_scans SET finished_at = now(), objects_scanned = $2, rows_scanned = $3, objects_without_recording = $4::jsonb,
         rows_without_object = $5::jsonb, error = $6 WHERE id = $1`,
      [id, result.objectsScanned, result.rowsScanned, JSON.stringify(result.objectsWithoutRecording), JSON.stringify(result.rowsWithoutObject), result.error ?? null],
    );
  }

  /** The latest finished scan, and whether another waits or runs. */
  async latest(tx: EntityManager): Promise<{ report?: OrphanScanRow; pending: boolean }> {
    const rows: OrphanScanRow[] = await tx.query(`SELECT ${COLUMNS} FROM orphan_scans WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1`);
    const pending: unknown[] = await tx.query(`SELECT 1 FROM orphan_scans WHERE finished_at IS NULL LIMIT 1`);
    return { report: rows[0], pending: pending.length > 0 };
  }
}
