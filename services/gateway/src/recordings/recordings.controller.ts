import { Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http-types';
import { BearerAuthGuard } from '../auth/auth.guard';
import { CurrentUser } from '../auth/current-user.decorator';
import type { AuthenticatedUser } from '../auth/auth.dto';
import { parseInput } from '../common/validation';
import { validationError } from '../common/problem-details';
import { listQuerySchema, recordingSummary, type DownloadName } from './recordings.dto';
import { RecordingsService } from './recordings.service';
import { UploadService } from './upload.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

@Controller('api/v1/recordings')
@UseGuards(BearerAuthGuard)
export class RecordingsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly recordings: RecordingsService,
  ) {}

  @Post()
  @HttpCode(202)
  async upload(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentUser() user: AuthenticatedUser,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw validationError([{ field: 'Idempotency-Key', message: 'must be 1-200 letters, digits or ._:-' }]);
    }
    const row = await this.uploads.upload(request, user.id, idempotencyKey);
    const view = recordingSummary(row);
    response.setHeader('Location', view.links.self!);
    return view;
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: unknown) {
    return this.recordings.list(user.id, parseInput(listQuerySchema, query));
  }

  @Get(':id')
  get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.recordings.get(user.id, id);
  }

  @Get(':id/subtitles.srt')
  subtitlesSrt(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.download(user, id, 'subtitles.srt');
  }

  @Get(':id/subtitles.vtt')
  subtitlesVtt(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.download(user, id, 'subtitles.vtt');
  }

  @Get(':id/transcript.json')
  transcriptJson(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.download(user, id, 'transcript.json');
  }

  @Get(':id/transcript.txt')
  transcriptTxt(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.download(user, id, 'transcript.txt');
  }

  @Delete(':id')
  @HttpCode(202)
  delete(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string) {
    return this.recordings.delete(user.id, id);
  }

  private async download(user: AuthenticatedUser, id: string, name: DownloadName): Promise<StreamableFile> {
    const file = await this.recordings.download(user.id, id, name);
    const options = {
      type: file.contentType,
      length: file.length,
      disposition: `attachment; filename="${file.filename.replace(/"/g, '')}"`,
    };
    return Buffer.isBuffer(file.body) ? new StreamableFile(file.body, options) : new StreamableFile(file.body, options);
  }
}
