import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { orphanReportSchema, scanOrphansBodySchema } from './storage.dto';
import { AdminStorageService } from './storage.service';

/** Operators' view of the store's consistency: the orphan scan, its report and its repair. */
@Controller('api/v1/admin/storage')
@AdminOnly()
export class AdminStorageController {
  constructor(private readonly storage: AdminStorageService) {}

  @Get('orphans')
  @ApiDoc({
    summary: 'Orphan report',
    description:
      'The last orphan scan: objects under a recording\'s prefix that no live or restorable recording owns, and catalogue rows whose object is ' +
      'gone, with what a repair removed. Scans run every `ORPHAN_SCAN_INTERVAL` (report only) and when asked.',
    tag: 'admin',
    responses: { 200: { description: 'The last report', schema: orphanReportSchema } },
    problems: { 403: ['AUTH.ADMIN_REQUIRED', 'AUTH.INSUFFICIENT_SCOPE'], 503: ['STORAGE.UNAVAILABLE'] },
  })
  report() {
    return this.storage.report();
  }

  @Post('orphans/scan')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Scan for orphans, and repair',
    description:
      'Queues a scan, run by one storage replica within seconds; with `repair: true` it also deletes the orphaned objects and rows and gives ' +
      'their bytes back to the owners\' usage. `GET /admin/storage/orphans` shows `pending` until it is done, then its report.',
    tag: 'admin',
    body: scanOrphansBodySchema,
    responses: {
      202: {
        description: 'Queued',
        schema: z.object({ pending: z.literal(true), repair: z.boolean(), links: z.object({ report: z.string() }) }),
      },
    },
    problems: { 400: ['VALIDATION.FAILED'], 403: ['AUTH.ADMIN_REQUIRED', 'AUTH.INSUFFICIENT_SCOPE'] },
  })
  scan(@CurrentUser() admin: Principal, @Body() body: unknown) {
    const { repair } = parseInput(scanOrphansBodySchema, body ?? {});
    return this.storage.scan(admin.userId, repair);
  }
}
