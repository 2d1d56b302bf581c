import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageBus } from '@leap/messaging';
import type { Principal } from '../../access/principal';
import { orderBy } from '../../common/pagination';
import { listWhere, RECORDING_COLUMNS, RECORDING_SORT_COLUMNS, RecordingsRepository, type RecordingRow } from '../recordings.repository';
import { BulkControlClient } from './bulk-control.client';
import { PipelineControlClient } from '../pipeline-control.client';
import type { ZodTypeAny } from 'zod';
import { parseInput } from '../../common/validation';
import { PublishingClient } from '../../publishing/publishing.client';
import { QuotaClient } from '../quota-client.service';
import { BULK_OPERATIONS, type BulkDeps, type BulkOperation, type BulkOperationName } from './bulk-operations';
import { bulkAnswer, checkLimits, DEFAULT_BULK_LIMIT, type BulkBody, type BulkItem } from './bulk.dto';

/**
 * Bulk operations (R9): the selection (ids, or the list's filters) is read from the caller's own
 * recordings only, so another tenant's id is a `not_found` item and never reaches an operation;
 * then the operation answers one item per recording.
 */
@Injectable()
export class BulkService {
  private readonly deps: BulkDeps;

  constructor(
    private readonly dataSource: DataSource,
    recordings: RecordingsRepository,
    control: BulkControlClient,
    bus: MessageBus,
    publishing: PublishingClient,
    pipeline: PipelineControlClient,
    quota: QuotaClient,
  ) {
    this.deps = { recordings, control, bus, publishing, pipeline, quota };
  }

  /** The operation's feature flag is checked by its route (`@RequireFlag`), before this; `input` is the raw body. */
  async apply(name: BulkOperationName, user: Principal, input: unknown) {
    const operation = BULK_OPERATIONS[name] as BulkOperation<ZodTypeAny>;
    const body = parseInput(operation.body, input) as BulkBody;
    checkLimits(body);
    const { rows, missing, matched } = await this.select(user.userId, body);
    const done = await operation.apply(this.deps, user.userId, rows, body);
    const byId = new Map(done.map((item) => [item.id, item]));
    const notFound = (id: string): BulkItem => ({ id, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${id}` });
    const order = body.ids ? [...new Set(body.ids)] : rows.map((r) => r.id);
    const items = order.map((id) => (missing.has(id) ? notFound(id) : (byId.get(id) ?? notFound(id))));
    return bulkAnswer(name, body.dryRun, matched, items);
  }

  /** The caller's live recordings the body selects; ids the caller cannot see are `missing`. */
  private async select(userId: string, body: BulkBody): Promise<{ rows: RecordingRow[]; missing: Set<string>; matched: number }> {
    const params: unknown[] = [];
    if (body.ids) {
      const ids = [...new Set(body.ids)];
      const where = listWhere(params, userId, { visibility: 'live', ids });
      const found: RecordingRow[] = await this.dataSource.query(`SELECT ${RECORDING_COLUMNS} FROM recordings WHERE ${where}`, params);
      const byId = new Map(found.map((r) => [r.id, r]));
      return { rows: ids.flatMap((id) => byId.get(id) ?? []), missing: new Set(ids.filter((id) => !byId.has(id))), matched: ids.length };
    }
    const filters = body.filters!;
    const where = listWhere(params, userId, { visibility: 'live', statuses: filters.status });
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM recordings WHERE ${where}`, params)) as [{ total: number }];
    const sort = filters.sort ?? [{ field: 'createdAt' as const, direction: 'desc' as const }];
    const rows: RecordingRow[] = await this.dataSource.query(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE ${where} ${orderBy(sort, RECORDING_SORT_COLUMNS)} LIMIT ${body.limit ?? DEFAULT_BULK_LIMIT}`,
      params,
    );
    return { rows, missing: new Set(), matched: total };
  }
}
