import { Inject, Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { OBJECT_STORE, SERVICE_LOGGER } from '@leap/platform';
import { ObjectNotFoundError, parseRecordingKey, type ObjectStore } from '@leap/storage-client';
import { orderBy, type SortKey } from '../../common/pagination';
import type { RecordingSortField } from '../recordings.dto';
import { listWhere, RECORDING_COLUMNS, RECORDING_SORT_COLUMNS, type RecordingRow, type Visibility } from '../recordings.repository';
import { cellOf, csvLine, exportRecord, LONG_COLUMNS, SHORT_COLUMNS, type ExportTopics, type ExportVerbosity } from './export-rows';

/** Rows fetched from the cursor at a time: the export holds no more than these in memory. */
const FETCH = 250;

export type ExportFormat = 'json' | 'csv' | 'xlsx';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface ExportRequest {
  userId: string;
  format: ExportFormat;
  verbosity: ExportVerbosity;
  ids?: string[];
  statuses?: string[];
  visibility: Visibility;
  sort: SortKey<RecordingSortField>[];
  limit?: number;
}

/** Where an export's records go, one at a time: one writer per format. */
interface RecordSink {
  start(columns: readonly string[]): Promise<void>;
  write(record: Record<string, unknown>): Promise<void>;
  end(): Promise<void>;
}

/** Writes `chunk`, waiting while the client has not taken what came before. */
async function send(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) throw new Error('the client went away');
  if (!out.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        out.off('drain', done);
        out.off('close', gone);
        resolve();
      };
      const gone = () => {
        out.off('drain', done);
        reject(new Error('the client went away'));
      };
      out.once('drain', done);
      out.once('close', gone);
    });
  }
}

function jsonSink(out: Writable): RecordSink {
  let first = true;
  return {
    start: () => send(out, '['),
    write: async (record) => {
      await send(out, `${first ? '\n' : ',\n'}${JSON.stringify(record)}`);
      first = false;
    },
    end: async () => {
      await send(out, first ? ']\n' : '\n]\n');
      out.end();
    },
  };
}

function csvSink(out: Writable): RecordSink {
  let columns: readonly string[] = [];
  return {
    // A byte order mark, so spreadsheet programs read the file as UTF-8.
    start: async (c) => {
      columns = c;
      await send(out, `\ufeff${csvLine([...c])}`);
    },
    write: (record) => send(out, csvLine(columns.map((c) => cellOf(record[c] as never)))),
    end: async () => {
      out.end();
    },
  };
}

function xlsxSink(out: Writable): RecordSink {
  // The streaming writer zips rows as they are committed: nothing of the sheet is kept in memory.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Recordings');
  let columns: readonly string[] = [];
  return {
    start: async (c) => {
      columns = c;
      sheet.addRow([...c]).commit();
    },
    write: async (record) => {
      sheet.addRow(columns.map((c) => cellOf(record[c] as never))).commit();
      if (out.writableNeedDrain) await send(out, '');
    },
    end: async () => {
      sheet.commit();
      await workbook.commit();
    },
  };
}

/**
 * Exports the caller's recordings as JSON, CSV or XLSX (R13), streamed: rows come from a cursor
 * in one read-only snapshot, a few hundred at a time, and each is written (and taken by the
 * client) before the next batch is fetched, so memory stays flat however many recordings there are.
 */
@Injectable()
export class RecordingsExportService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async export(request: ExportRequest, out: Writable): Promise<number> {
    const sink = request.format === 'json' ? jsonSink(out) : request.format === 'csv' ? csvSink(out) : xlsxSink(out);
    const params: unknown[] = [];
    const where = listWhere(params, request.userId, { statuses: request.statuses, visibility: request.visibility, ids: request.ids });
    const limit = request.limit ? ` LIMIT ${Math.floor(request.limit)}` : '';
    const sql = `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE ${where} ${orderBy(request.sort, RECORDING_SORT_COLUMNS)}${limit}`;
    const runner = this.dataSource.createQueryRunner();
    let count = 0;
    try {
      await runner.connect();
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await runner.query(`DECLARE recordings_export NO SCROLL CURSOR FOR ${sql}`, params);
      await sink.start(request.verbosity === 'long' ? LONG_COLUMNS : SHORT_COLUMNS);
      for (;;) {
        const rows: RecordingRow[] = await runner.query(`FETCH ${FETCH} FROM recordings_export`);
        for (const row of rows) {
          const topics = request.verbosity === 'long' ? await this.topicsOf(row) : undefined;
          await sink.write(exportRecord(row, request.verbosity, topics));
          count += 1;
        }
        if (rows.length < FETCH) break;
      }
      await sink.end();
      return count;
    } finally {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /** The active topic version of a recording, or null when it has none (yet). */
  private async topicsOf(row: RecordingRow): Promise<ExportTopics | null> {
    const ref = row.artifacts.topics;
    const place = ref && parseRecordingKey(ref.key);
    if (!ref || !place || place.userId !== row.userId || place.recordingId !== row.id) return null;
    try {
      const document = JSON.parse((await this.store.getBuffer(ref.key)).toString('utf8')) as {
        activeVersion: number;
        versions: { version: number; summary?: string; mainTopics?: string[]; questions?: string[] }[];
      };
      const active = document.versions.find((v) => v.version === document.activeVersion);
      return active ? { summary: active.summary ?? null, mainTopics: active.mainTopics ?? [], questions: active.questions ?? [] } : null;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return null;
      this.logger.warn(`The topics of recording ${row.id} could not be read for an export: ${(error as Error).message}`, { recordingId: row.id });
      return null;
    }
  }
}
