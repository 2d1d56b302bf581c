import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Idempotent, RequireFlag } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc, type ApiDocOptions } from '../../common/api-doc';
import type { ZodTypeAny } from 'zod';
import { BULK_OPERATIONS, type BulkOperationName } from './bulk-operations';
import { bulkAnswerSchema, bulkBody, bulkRunBody, DEFAULT_BULK_LIMIT, MAX_BULK_ITEMS } from './bulk.dto';
import { BulkService } from './bulk.service';

const SELECTION =
  `Selects by \`ids\` (1 to ${MAX_BULK_ITEMS}) or by \`filters\` (the list's, the first \`limit\` recordings: default ${DEFAULT_BULK_LIMIT}, at most ${MAX_BULK_ITEMS}); ` +
  'an id the caller does not have (unknown, deleted or another user\'s) is a `not_found` item and is never touched. Each recording is decided on its own, ' +
  'as its single route would decide it: the answer has one item per recording, `accepted` or `refused` with that route\'s code. ' +
  'With `dryRun` the answer is the plan and nothing changes; a real call right after it does what the plan says to recordings that did not change meanwhile. ' +
  'An `Idempotency-Key` makes a retry replay the first answer.';

const RERUN_PROBLEMS: ApiDocOptions['problems'] = { 403: ['FEATURE.DISABLED'], 503: ['INGEST.UNAVAILABLE'] };

function bulkDoc(summary: string, what: string, problems: ApiDocOptions['problems'] = {}, body: ZodTypeAny = bulkBody): ApiDocOptions {
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
        'route takes it; a bad field (`RECORDING_CONFIG.INVALID`) or an unknown template (`TEMPLATE.NOT_FOUND`) refuses the whole call. The recordings ' +
        'the run would start count against the plan\'s monthly processing, all together: when they do not all fit, the whole call (a dry run too) is ' +
        '429 `QUOTA.EXCEEDED` and nothing starts.',
      {
        403: ['FEATURE.DISABLED'],
        404: ['TEMPLATE.NOT_FOUND'],
        422: ['BULK.LIMIT_EXCEEDED', 'RECORDING_CONFIG.INVALID'],
        429: ['QUOTA.EXCEEDED'],
        503: ['INGEST.UNAVAILABLE', 'QUOTA.UNAVAILABLE'],
      },
      bulkRunBody,
    ),
  )
  run(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('run', user, body);
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

  @Post('trim')
  @HttpCode(200)
  @RequireFlag(BULK_OPERATIONS.trim.flag)
  @Idempotent()
  @ApiDoc(
    bulkDoc(
      'Trim recordings again in bulk',
      'As `POST /recordings/{id}/trim` for each, with the same settings for every recording: the trim runs again as a new attempt; refused with ' +
        '`INGEST.ALREADY_RUNNING`, `INGEST.STAGE_NOT_READY` or `INGEST.NOT_RUNNABLE`.',
      RERUN_PROBLEMS,
      BULK_OPERATIONS.trim.body,
    ),
  )
  trim(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('trim', user, body);
  }

  @Post('transcribe')
  @HttpCode(200)
  @RequireFlag(BULK_OPERATIONS.transcribe.flag)
  @Idempotent()
  @ApiDoc(
    bulkDoc(
      'Transcribe recordings again in bulk',
      'As `POST /recordings/{id}/transcribe` for each: the transcription runs again as a new attempt and its transcript replaces the old; refused with ' +
        '`INGEST.ALREADY_RUNNING`, `INGEST.STAGE_NOT_READY` or `INGEST.NOT_RUNNABLE`. The recordings that would be accepted count against the plan\'s ' +
        'monthly transcriptions, all together: when they do not all fit, the whole call (a dry run too) is 429 `QUOTA.EXCEEDED` and nothing starts.',
      { ...RERUN_PROBLEMS, 429: ['QUOTA.EXCEEDED'], 503: ['INGEST.UNAVAILABLE', 'QUOTA.UNAVAILABLE'] },
      BULK_OPERATIONS.transcribe.body,
    ),
  )
  transcribe(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('transcribe', user, body);
  }

  @Post('topics')
  @HttpCode(200)
  @RequireFlag(BULK_OPERATIONS.topics.flag)
  @Idempotent()
  @ApiDoc(
    bulkDoc(
      'Extract topics again in bulk',
      'As `POST /recordings/{id}/topics` for each, with the same granularity: a new topic version from the existing transcript; refused with ' +
        '`INGEST.ALREADY_RUNNING` (a stage of the recording runs, its transcription above all), `INGEST.NOT_RUNNABLE` or `TOPICS.NO_TRANSCRIPT`.',
      RERUN_PROBLEMS,
      BULK_OPERATIONS.topics.body,
    ),
  )
  topics(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('topics', user, body);
  }

  @Post('subtitles')
  @HttpCode(200)
  @RequireFlag(BULK_OPERATIONS.subtitles.flag)
  @Idempotent()
  @ApiDoc(
    bulkDoc(
      'Write subtitles again in bulk',
      'As `POST /recordings/{id}/subtitles` for each: the files of `formats` (default SRT and VTT) are written again from the current transcript, a format left out keeps its file; refused with ' +
        '`INGEST.ALREADY_RUNNING`, `INGEST.STAGE_NOT_READY` or `INGEST.NOT_RUNNABLE`.',
      RERUN_PROBLEMS,
      BULK_OPERATIONS.subtitles.body,
    ),
  )
  subtitles(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('subtitles', user, body);
  }

  @Post('upload')
  @HttpCode(200)
  @RequireFlag(BULK_OPERATIONS.upload.flag)
  @Idempotent()
  @ApiDoc(
    bulkDoc(
      'Publish recordings in bulk',
      'As `POST /recordings/{id}/upload/{platform}` for each recording and each of `platforms`: a new target per platform. Publishing checks every platform ' +
        'first, so a recording is refused whole, with the first refusal\'s code (`PRESET.REQUIRED`, `PRESET.NOT_FOUND`, `PRESET.INVALID`, `CREDENTIAL.MISSING`, ' +
        '`TARGET.NOTHING_TO_PUBLISH`), or gets a target on every platform. The dry run makes the same checks.',
      { 403: ['FEATURE.DISABLED'], 503: ['PUBLISHING.UNAVAILABLE'] },
      BULK_OPERATIONS.upload.body,
    ),
  )
  upload(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.apply('upload', user, body);
  }

  private apply(name: BulkOperationName, user: Principal, body: unknown) {
    return this.bulk.apply(name, user, body);
  }
}
