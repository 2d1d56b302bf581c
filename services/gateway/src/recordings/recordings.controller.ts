import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http-types';
import { Idempotent, RequireFlag } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { parseInput } from '../common/validation';
import { validationError } from '../common/problem-details';
import { listQuerySchema, recordingSummary, type DownloadName } from './recordings.dto';
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
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.recordings.list(user.userId, parseInput(listQuerySchema, query));
  }

  @Get(':id')
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.recordings.get(user.userId, id);
  }

  @Get(':id/subtitles.srt')
  subtitlesSrt(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'subtitles.srt');
  }

  @Get(':id/subtitles.vtt')
  subtitlesVtt(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'subtitles.vtt');
  }

  @Get(':id/transcript.json')
  transcriptJson(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'transcript.json');
  }

  @Get(':id/transcript.txt')
  transcriptTxt(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.download(user, id, 'transcript.txt');
  }

  @Delete(':id')
  @HttpCode(202)
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
