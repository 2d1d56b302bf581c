import { Controller, Get, Query } from '@nestjs/common';
import { AdminOnly } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { auditEntryPageSchema, listAuditLogQuerySchema } from './admin.dto';
import { AuditLog } from './audit-log.service';

/** The audit log of admin actions, newest first. */
@Controller('api/v1/admin/audit-log')
@AdminOnly()
export class AuditLogController {
  constructor(private readonly auditLog: AuditLog) {}

  @Get()
  @ApiDoc({
    summary: 'List admin actions',
    description: 'One entry per admin change: who, what, the changed fields before and after, and the request id.',
    tag: 'admin',
    query: listAuditLogQuerySchema,
    responses: { 200: { description: 'A page of audit entries', schema: auditEntryPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 403: ['AUTH.ADMIN_REQUIRED', 'AUTH.INSUFFICIENT_SCOPE'] },
  })
  list(@Query() query: unknown) {
    return this.auditLog.list(parseInput(listAuditLogQuerySchema, query));
  }
}
