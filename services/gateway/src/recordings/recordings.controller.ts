import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http-types';
import { Idempotent, RequireFlag } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { parseInput } from '../common/validation';
import { validationError } from '../common/problem-details';
import { ApiDoc } from '../common/api-doc';
import { StreamedBody } from '../http/streamed-body';
import { attachmentDisposition } from '../http/content-disposition';
import { listQuerySchema, recordingSummary, type DownloadName } from './recordings.dto';
import {
  downloadDoc,
  ID_PARAM,
  pipelineActionSchema,
  recordingDetailSchema,
  recordingSummarySchema,
  recordingsPageSchema,
  restoreActionSchema,
  uploadBody,
} from './recordings.api-doc';
import { RecordingsService } from './recordings.service';
import { mediaUrlDoc, mediaUrlQuerySchema } from './media/media.api-doc';
import { MediaService } from './media/media.service';
import { UploadService } from './upload.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

@Controller('api/v1/recordings')
export class RecordingsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly recordings: RecordingsService,
    private readonly media: MediaService,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireFlag('upload')
  @Idempotent()
  @StreamedBody('multipart/form-data')
  @ApiDoc({
    summary: 'Upload a recording',
    description: 'Streams the file to storage, reserves quota and starts the pipeline. The answer is the new recording; `Location` points at it.',
    rawBody: uploadBody,
    responses: { 202: { description: 'Stored and registered; processing follows.', schema: recordingSummarySchema, headers: { Location: 'The recording: `/api/v1/recordings/{id}`.' } } },
    problems: {
      400: ['REQUEST.MALFORMED', 'UPLOAD.EMPTY', 'UPLOAD.FAILED', 'VALIDATION.FAILED'],
      413: ['UPLOAD.TOO_LARGE'],
      415: ['UPLOAD.NOT_MULTIPART', 'UPLOAD.UNSUPPORTED_TYPE'],
      422: ['RECORDING.PRESET_INVALID'],
      429: ['QUOTA.EXCEEDED'],
      503: ['QUOTA.UNAVAILABLE', 'PUBLISHING.UNAVAILABLE'],
    },
  })
  async upload(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentUser() user: Principal,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw validationError([{ field: 'Idempotency-Key', message: 'must be 1-200 letters, digits or ._:-' }]);
    }
    const row = await this.uploads.upload(request, user.userId, idempotencyKey);
    const view = recordingSummary(row);
    response.setHeader('Location', view.links.self!);
    return view;
  }

  @Get()
  @ApiDoc({
    summary: 'List my recordings',
    description:
      'A page of the caller\'s recordings, newest first unless `sort` says otherwise. Deleted recordings are left out; `deleted=true` lists only them ' +
      '(restorable ones and those whose files are gone), until their hard delete.',
    query: listQuerySchema,
    responses: { 200: { description: 'A page of recordings.', schema: recordingsPageSchema } },
  })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.recordings.list(user.userId, parseInput(listQuerySchema, query));
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a recording',
    description:
      'The recording with its stages (timings and errors), artifacts and publications. A deleted recording is still found, with its `deletion`, until its hard delete.',
    params: ID_PARAM,
    responses: { 200: { description: 'The recording.', schema: recordingDetailSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.get(user.userId, id);
  }

  @Get(':id/media')
  @ApiDoc(mediaUrlDoc)
  mediaUrl(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    const { type, expires_in } = parseInput(mediaUrlQuerySchema, query);
    return this.media.mediaUrl(user.userId, id, type, expires_in);
  }

  @Get(':id/subtitles.srt')
  @ApiDoc(downloadDoc('subtitles.srt', 'SRT subtitles'))
  subtitlesSrt(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'subtitles.srt');
  }

  @Get(':id/subtitles.vtt')
  @ApiDoc(downloadDoc('subtitles.vtt', 'WebVTT subtitles'))
  subtitlesVtt(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'subtitles.vtt');
  }

  @Get(':id/transcript.json')
  @ApiDoc(downloadDoc('transcript.json', 'transcript (JSON)'))
  transcriptJson(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'transcript.json');
  }

  @Get(':id/transcript.txt')
  @ApiDoc(downloadDoc('transcript.txt', 'transcript (plain text)'))
  transcriptTxt(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'transcript.txt');
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Pause a recording',
    description:
      'Hard pause: the stages in progress go back to `PENDING` (their jobs are cancelled and a late result is ignored), the status rolls back ' +
      '(`DOWNLOADING`→`INITIALIZED`, `PROCESSING`→`DOWNLOADED`, `UPLOADING`→`PROCESSED`) and nothing starts until `POST /run`. ' +
      'The answer is the state ingest left; `GET /recordings/{id}` shows it within moments.',
    params: ID_PARAM,
    responses: { 200: { description: 'Paused.', schema: pipelineActionSchema('The stages sent back to PENDING, e.g. `TRIM`; an upload as `UPLOAD:<target>`.') } },
    problems: { 404: ['RECORDING.NOT_FOUND'], 409: ['INGEST.NOTHING_TO_PAUSE'], 503: ['INGEST.UNAVAILABLE'] },
  })
  pause(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.pause(user.userId, id);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Delete a recording',
    description:
      'Soft delete: the recording shows `DELETING` until ingest confirms, then it is hidden from the list, its work in progress is cancelled (as a ' +
      'pause cancels it), and it can be restored for `RETENTION_SOFT_DELETE_DAYS` (3 days). Then its files are removed and its storage usage given ' +
      'back; its last trace goes `RETENTION_HARD_DELETE_DAYS` (30 days) later.',
    params: ID_PARAM,
    responses: { 202: { description: 'Deletion started; the recording as it is now.', schema: recordingSummarySchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  delete(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.delete(user.userId, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Restore a deleted recording',
    description:
      'Within the restore window the recording comes back as it was: visible, with its files, stages and status, and a new expiry. Work the delete ' +
      'cancelled stays paused until `POST /run`. The answer is the state ingest left; `GET /recordings/{id}` shows it within moments.',
    params: ID_PARAM,
    responses: { 200: { description: 'Restored.', schema: restoreActionSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'], 409: ['INGEST.NOT_DELETED', 'INGEST.RESTORE_WINDOW_CLOSED'], 503: ['INGEST.UNAVAILABLE'] },
  })
  restore(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.restore(user.userId, id);
  }

  private async download(user: Principal, id: string, name: DownloadName): Promise<StreamableFile> {
    const file = await this.recordings.download(user.userId, id, name);
    const options = {
      type: file.contentType,
      length: file.length,
      disposition: attachmentDisposition(file.filename),
    };
    return Buffer.isBuffer(file.body) ? new StreamableFile(file.body, options) : new StreamableFile(file.body, options);
  }
}
