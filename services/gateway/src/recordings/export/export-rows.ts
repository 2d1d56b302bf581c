import type { RecordingRow } from '../recordings.repository';
import { recordingSummary } from '../recordings.dto';

/** The topics part of a long export: the active version's summary, main topics and questions. */
export interface ExportTopics {
  summary: string | null;
  mainTopics: string[];
  questions: string[];
}

export type ExportVerbosity = 'short' | 'long';

/** The columns of an export, in order; `long` adds the topics. */
export const SHORT_COLUMNS = [
  'id',
  'title',
  'status',
  'failed',
  'failedStage',
  'failureReason',
  'sourceType',
  'originalFilename',
  'sizeBytes',
  'contentType',
  'createdAt',
  'updatedAt',
  'expiresAt',
  'deletedAt',
  'publications',
] as const;
export const LONG_COLUMNS = [...SHORT_COLUMNS, 'summary', 'mainTopics', 'questions'] as const;

export type ExportRecord = Record<string, string | number | boolean | null | string[] | { platform: string; url: string | null }[]>;

/** One recording as the export shows it: the list's view of it, its publications, and (long) its topics. */
export function exportRecord(row: RecordingRow, verbosity: ExportVerbosity, topics?: ExportTopics | null): ExportRecord {
  const view = recordingSummary(row);
  const record: ExportRecord = {
    id: view.id,
    title: view.title,
    status: view.status,
    failed: view.failed,
    failedStage: view.failedStage,
    failureReason: view.failureReason,
    sourceType: view.sourceType,
    originalFilename: view.originalFilename,
    sizeBytes: view.sizeBytes,
    contentType: view.contentType,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    expiresAt: view.expiresAt,
    deletedAt: view.deletion?.deletedAt ?? null,
    publications: Object.values(row.publications).map((p) => ({ platform: p.platform, url: p.url ?? p.location ?? null })),
  };
  if (verbosity === 'long') {
    record.summary = topics?.summary ?? null;
    record.mainTopics = topics?.mainTopics ?? [];
    record.questions = topics?.questions ?? [];
  }
  return record;
}

/** A value as one spreadsheet cell: lists one item per line, publications as `PLATFORM url`. */
export function cellOf(value: ExportRecord[string]): string | number | boolean | null {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : [v.platform, v.url].filter(Boolean).join(' '))).join('\n');
  return value;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text a spreadsheet
 * would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a `'` in front (OWASP, CSV injection).
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: (string | number | boolean | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
