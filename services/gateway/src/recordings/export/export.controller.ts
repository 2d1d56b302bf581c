import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { Logger } from 'winston';
import { z } from 'zod';
import { SERVICE_LOGGER } from '@leap/platform';
import { RecordingStatus } from '@leap/contracts';
import type { HttpResponse as Response } from '../../common/http-types';
import { RequireFlag, RequireScope } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { sortParam } from '../../common/pagination';
import { parseInput } from '../../common/validation';
import { attachmentDisposition } from '../../http/content-disposition';
import { RECORDING_SORT_FIELDS, shortName } from '../recordings.dto';
import { LONG_COLUMNS, SHORT_COLUMNS } from './export-rows';
import { EXPORT_CONTENT_TYPES, RecordingsExportService } from './recordings-export.service';

/** The most recordings one export names by id (as the reference); a filter has no such limit but `limit`. */
const MAX_IDS = 2000;
const MAX_LIMIT = 100_000;

const STATUSES = [
  ...Object.values(RecordingStatus)
    .map((s) => shortName(s, 'RECORDING_STATUS_'))
    .filter((s): s is string => s !== null),
] as [string, ...string[]];

export const exportBody = z
  .object({
    format: z.enum(['json', 'csv', 'xlsx']).default('json').describe('`json` (an array), `csv` (UTF-8 with a byte order mark) or `xlsx`.'),
    verbosity: z.enum(['short', 'long']).default('short').describe('`long` adds the active topic version: `summary`, `mainTopics`, `questions`.'),
    recordingIds: z.array(z.string().uuid()).min(1).max(MAX_IDS).optional().describe(`These recordings (up to ${MAX_IDS}); others' ids are left out.`),
    filters: z
      .object({
        status: z.array(z.enum(STATUSES)).min(1).optional().describe('Any of these statuses, as `GET /recordings?status=`.'),
        deleted: z.boolean().optional().describe('Only deleted recordings, as `GET /recordings?deleted=true`.'),
        sort: sortParam(RECORDING_SORT_FIELDS, '-createdAt'),
      })
      .strict()
      .optional()
      .describe('The filters of `GET /api/v1/recordings`; without `recordingIds` and `filters`: every live recording.'),
    limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`At most this many recordings (up to ${MAX_LIMIT}).`),
  })
  .strict()
  .refine((b) => !(b.recordingIds && b.filters), { message: 'give recordingIds or filters, not both', path: ['filters'] });

/** `POST /api/v1/recordings/export`: the caller's recordings as a file (see RecordingsExportService). */
@Controller('api/v1/recordings')
export class RecordingsExportController {
  constructor(
    private readonly exporter: RecordingsExportService,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @Post('export')
  @HttpCode(200)
  @RequireScope('read')
  @RequireFlag('export')
  @ApiDoc({
    summary: 'Export my recordings',
    description:
      'The recordings named by `recordingIds`, or those the list\'s `filters` select, as a JSON, CSV or XLSX attachment, streamed as it is read ' +
      `(memory stays flat however many). Columns: ${SHORT_COLUMNS.join(', ')}; \`long\` adds ${LONG_COLUMNS.slice(SHORT_COLUMNS.length).join(', ')}. ` +
      'In CSV and XLSX a list is one item per line and a publication is `PLATFORM url`; a CSV cell that a spreadsheet would run as a formula starts with `\'`. ' +
      'Needs the `read` scope and the `export` feature.',
    body: exportBody,
    responses: {
      200: {
        description: 'The file.',
        contentType: 'application/octet-stream',
        headers: { 'Content-Type': 'application/json, text/csv or the XLSX type', 'Content-Disposition': 'attachment; filename="recordings-<date>.<format>"' },
      },
    },
    problems: { 400: ['VALIDATION.FAILED'] },
  })
  async export(@CurrentUser() user: Principal, @Body() body: unknown, @Res() response: Response): Promise<void> {
    const input = parseInput(exportBody, body ?? {});
    const filters = input.filters;
    response.status(200);
    response.setHeader('Content-Type', EXPORT_CONTENT_TYPES[input.format]);
    response.setHeader('Content-Disposition', attachmentDisposition(`recordings-${new Date().toISOString().slice(0, 10)}.${input.format}`));
    response.setHeader('Cache-Control', 'no-store');
    try {
      await this.exporter.export(
        {
          userId: user.userId,
          format: input.format,
          verbosity: input.verbosity,
          ids: input.recordingIds,
          statuses: filters?.status,
          visibility: filters?.deleted ? 'deleted' : 'live',
          sort: filters?.sort ?? [{ field: 'createdAt', direction: 'desc' }],
          limit: input.limit,
        },
        response,
      );
    } catch (error) {
      // Nothing sent yet (the database refused the read): the client gets a problem, not a file.
      if (!response.headersSent) {
        response.removeHeader('Content-Disposition');
        throw error;
      }
      // The headers are gone: a broken transfer is all that can tell the client.
      this.logger.warn(`An export of ${user.userId} broke off: ${(error as Error).message}`);
      response.destroy();
    }
  }
}
