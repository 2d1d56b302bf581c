import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Idempotent, RequireFlag } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc, type ApiDocOptions } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import { BULK_OPERATIONS, type BulkOperationName } from './bulk-operations';
import { bulkAnswerSchema, bulkBody, bulkRunBody, DEFAULT_BULK_LIMIT, MAX_BULK_ITEMS } from './bulk.dto';
import { BulkService } from './bulk.service';

const SELECTION =
  `Selects by \`ids\` (1 to ${MAX_BULK_ITEMS}) or by \`filters\` (the list's, the first \`limit\` recordings: default ${DEFAULT_BULK_LIMIT}, at most ${MAX_BULK_ITEMS}); ` +
  'an id the caller does not have (unknown, deleted or another user\'s) is a `not_found` item and is never touched. Each recording is decided on its own, ' +
  'as its single route would decide it: the answer has one item per recording, `accepted` or `refused` with that route\'s code. ' +
  'With `dryRun` the answer is the plan and nothing changes; a real call right after it does what the plan says to recordings that did not change meanwhile. ' +
  'An `Idempotency-Key` makes a retry replay the first answer.';

function bulkDoc(summary: string, what: string, problems: ApiDocOptions['problems'] = {}, body: ApiDocOptions['body'] = bulkBody): ApiDocOptions {
  return {
    summary,
    description: `${what} ${SELECTION}`,
    body,
    responses: { 200: { description: 'One item per selected recording (the plan, with `dryRun`).', schema: bulkAnswerSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 422: ['BULK.LIMIT_EXCEEDED'], ...problems },
  };
}

/**
 * `POST /api/v1/recordings/bulk/{operation}`: one route per entry of BULK_OPERATIONS, guarded by
 * the flag of its single counterpart. Registered before the per-recording routes, so `bulk` is
 * never taken for a recording id.
 */
@Controller('api/v1/recordings/bulk')
export class BulkController {
  constructor(private readonly bulk: BulkService) {}

  @Post('run')
  @HttpCode(200)
  @RequireFlag(BULK_OPERATIONS.run.flag)
  @Idempotent()
  @ApiDoc(
    bulkDoc(
      'Run recordings in bulk',
      'As `POST /recordings/{id}/run` for each: resumes from where the pipeline stands; refused with `INGEST.ALREADY_RUNNING` or `INGEST.NOT_RUNNABLE`. ' +
        'The run\'s own config (`templateId`, `bindTemplate`, `processingConfig`, `metadataConfig`, `outputConfig`) is given to each recording as the single ' +
        'route takes it; a bad field (`RECORDING_CONFIG.INVALID`) or an unknown template (`TEMPLATE.NOT_FOUND`) refuses the whole call.',
      { 403: ['FEATURE.DISABLED'], 404: ['TEMPLATE.NOT_FOUND'], 422: ['BULK.LIMIT_EXCEEDED', 'RECORDING_CONFIG.INVALID'], 503: ['INGEST.UNAVAILABLE'] },
      bulkRunBody,
    ),
  )
  run(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.bulk.apply('run', user, parseInput(bulkRunBody, body));
  }

  @Post('pause')
  @HttpCode(200)
  @Idempotent()
  @ApiDoc(
    bulkDoc('Pause recordings in bulk', 'As `POST /recordings/{id}/pause` for each: a hard pause; refused with `INGEST.NOTHING_TO_PAUSE`.', {
      503: ['INGEST.UNAVAILABLE'],
    }),
  )
  pause(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('pause', user, body);
  }

  @Post('delete')
  @HttpCode(200)
  @Idempotent()
  @ApiDoc(bulkDoc('Delete recordings in bulk', 'As `DELETE /recordings/{id}` for each: a soft delete, restorable within the restore window.'))
  delete(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('delete', user, body);
  }

  private apply(name: BulkOperationName, user: Principal, body: unknown) {
    return this.bulk.apply(name, user, parseInput(bulkBody, body));
  }
}
