import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http-types';
import { Idempotent, RequireFlag } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { parseInput } from '../common/validation';
import { validationError } from '../common/problem-details';
import { ApiDoc } from '../common/api-doc';
import { listQuerySchema, recordingSummary, type DownloadName } from './recordings.dto';
import { downloadDoc, ID_PARAM, recordingDetailSchema, recordingSummarySchema, recordingsPageSchema, uploadBody } from './recordings.api-doc';
import { RecordingsService } from './recordings.service';
import { UploadService } from './upload.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

@Controller('api/v1/recordings')
export class RecordingsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly recordings: RecordingsService,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireFlag('upload')
  @Idempotent()
  @ApiDoc({
    summary: 'Upload a recording',
    description: 'Streams the file to storage, reserves quota and starts the pipeline. The answer is the new recording; `Location` points at it.',
    rawBody: uploadBody,
    responses: { 202: { description: 'Stored and registered; processing follows.', schema: recordingSummarySchema, headers: { Location: 'The recording: `/api/v1/recordings/{id}`.' } } },
    problems: {
      400: ['REQUEST.MALFORMED', 'UPLOAD.EMPTY', 'UPLOAD.FAILED', 'VALIDATION.FAILED'],
      413: ['UPLOAD.TOO_LARGE'],
      415: ['UPLOAD.NOT_MULTIPART', 'UPLOAD.UNSUPPORTED_TYPE'],
      429: ['QUOTA.EXCEEDED'],
      503: ['QUOTA.UNAVAILABLE'],
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
    description: 'A page of the caller\'s recordings, newest first unless `sort` says otherwise.',
    query: listQuerySchema,
    responses: { 200: { description: 'A page of recordings.', schema: recordingsPageSchema } },
  })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.recordings.list(user.userId, parseInput(listQuerySchema, query));
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a recording',
    description: 'The recording with its stages (timings and errors), artifacts and publications.',
    params: ID_PARAM,
    responses: { 200: { description: 'The recording.', schema: recordingDetailSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.get(user.userId, id);
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

  @Delete(':id')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Delete a recording',
    description: 'Marks the recording as `DELETING` and starts its deletion.',
    params: ID_PARAM,
    responses: { 202: { description: 'Deletion started; the recording as it is now.', schema: recordingSummarySchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  delete(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.delete(user.userId, id);
  }

  private async download(user: Principal, id: string, name: DownloadName): Promise<StreamableFile> {
    const file = await this.recordings.download(user.userId, id, name);
    const options = {
      type: file.contentType,
      length: file.length,
      disposition: `attachment; filename="${file.filename.replace(/"/g, '')}"`,
    };
    return Buffer.isBuffer(file.body) ? new StreamableFile(file.body, options) : new StreamableFile(file.body, options);
  }
}
