import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { logContext } from '@leap/logging';
import type { Principal } from '../access/principal';
import { offsetOf, orderBy, pageOf, type Page } from '../common/pagination';
import type { AuditEntryView, ListAuditLogQuery } from './admin.dto';

/** The fields an admin action changed, before and after, in the shape of the request body. */
export interface AuditChanges {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** One admin action to record. */
export interface AuditEntry {
  actor: Principal;
  /** `<target type>.<past participle>`, e.g. `user.updated`. */
  action: string;
  targetType: string;
  targetId: string;
  changes: AuditChanges;
}

interface AuditRow extends Omit<AuditEntryView, 'createdAt'> {
  createdAt: Date;
}

const COLUMNS = `id, actor_id AS "actorId", actor_email AS "actorEmail", action, target_type AS "targetType", target_id AS "targetId",
  changes, request_id AS "requestId", created_at AS "createdAt"`;

/**
 * The audit log of admin actions. Each admin write records exactly one entry in the transaction of
 * the change itself, so an entry exists if and only if the change was made.
 */
@Injectable()
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records `entry` in `manager`'s transaction, with the request id of the current request. */
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (id, actor_id, actor_email, action, target_type, target_id, changes, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
      [uuidv7(), entry.actor.userId, entry.actor.email, entry.action, entry.targetType, entry.targetId, JSON.stringify(entry.changes), logContext.get()?.requestId ?? null],
    );
  }

  async list(query: ListAuditLogQuery): Promise<Page<AuditEntryView>> {
    const params: unknown[] = [];
    const conditions: string[] = [];
    const anyOf = (column: string, values: string[] | undefined, cast: string) => {
      if (!values?.length) return;
      params.push(values);
      conditions.push(`${column} = ANY($${params.length}::${cast}[])`);
    };
    anyOf('actor_id', query.actorId, 'uuid');
    anyOf('target_id', query.targetId, 'text');
    anyOf('action', query.action, 'text');
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM audit_log ${where}`, params)) as [{ total: number }];
    params.push(query.pageSize, offsetOf(query));
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_log ${where} ${orderBy(query.sort, { createdAt: 'created_at' })} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return pageOf(
      rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() })),
      query,
      total,
    );
  }
}
