import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import type { HttpResponse as Response } from '../../common/http-types';
import { Idempotent, RequireFlag } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import { recordingSummarySchema } from '../recordings.api-doc';
import { addPlaylistSchema, addUrlSchema, formatsPreviewResultSchema, formatsPreviewSchema, playlistResultSchema } from './imports.dto';
import { ImportsService } from './imports.service';
import './problems';

const SOURCE_PROBLEMS = ['INGEST.URL_UNSUPPORTED', 'INGEST.SOURCE_PRIVATE', 'INGEST.SOURCE_REMOVED', 'INGEST.SOURCE_GEO_BLOCKED', 'INGEST.SOURCE_LOGIN_REQUIRED'];

/** Recordings from URLs (yt-dlp): one video, a playlist or channel, and a preview of what a URL offers. */
@Controller('api/v1/recordings')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post('add-url')
  @HttpCode(202)
  @RequireFlag('upload')
  @Idempotent()
  @ApiDoc({
    summary: 'Add a recording from a URL',
    description:
      'Checks the URL’s host against the address guard (internal addresses are refused), reserves quota and creates the recording. ' +
      'With `autoRun` (the default) the download starts at once: yt-dlp fetches the media into storage, then the pipeline runs. ' +
      'Where the download stands shows on `GET /recordings/{id}` (`DOWNLOAD` stage, progress in bytes); a source that cannot be had fails that stage with its code.',
    body: addUrlSchema,
    responses: { 202: { description: 'Created; the download follows.', schema: recordingSummarySchema, headers: { Location: 'The recording: `/api/v1/recordings/{id}`.' } } },
    problems: {
      400: ['VALIDATION.FAILED', 'INGEST.INVALID_URL', 'INGEST.INVALID_OPTION'],
      422: ['INGEST.URL_NOT_ALLOWED', 'RECORDING.PRESET_INVALID'],
      429: ['QUOTA.EXCEEDED'],
      503: ['QUOTA.UNAVAILABLE', 'INGEST.UNAVAILABLE', 'PUBLISHING.UNAVAILABLE'],
    },
  })
  async addUrl(
    @CurrentUser() user: Principal,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    const view = await this.imports.addUrl(user.userId, parseInput(addUrlSchema, body), idempotencyKey);
    response.setHeader('Location', view.links.self!);
    return view;
  }

  @Post('add-playlist')
  @HttpCode(202)
  @RequireFlag('upload')
  @Idempotent()
  @ApiDoc({
    summary: 'Add the entries of a playlist or channel',
    description:
      'Lists the playlist (yt-dlp, one request) and creates one recording per entry the caller does not have yet, keyed by `platform:video_id`; ' +
      'an entry already there is left as it is (`existing`), so listing a playlist again adds only what is new.',
    body: addPlaylistSchema,
    responses: { 202: { description: 'The entries and what became of each.', schema: playlistResultSchema } },
    problems: {
      400: ['VALIDATION.FAILED', 'INGEST.INVALID_URL', 'INGEST.INVALID_OPTION'],
      422: ['INGEST.URL_NOT_ALLOWED', 'RECORDING.PRESET_INVALID', ...SOURCE_PROBLEMS],
      503: ['INGEST.UNAVAILABLE', 'PUBLISHING.UNAVAILABLE'],
    },
  })
  addPlaylist(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.imports.addPlaylist(user.userId, parseInput(addPlaylistSchema, body));
  }

  @Post('formats-preview')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Preview what a URL offers',
    description: 'yt-dlp describes the source: its title, duration, the video heights and every format. Nothing is created.',
    body: formatsPreviewSchema,
    responses: { 200: { description: 'What the source offers.', schema: formatsPreviewResultSchema } },
    problems: { 400: ['VALIDATION.FAILED', 'INGEST.INVALID_URL'], 422: ['INGEST.URL_NOT_ALLOWED', ...SOURCE_PROBLEMS], 503: ['INGEST.UNAVAILABLE'] },
  })
  formatsPreview(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.imports.formatsPreview(user.userId, parseInput(formatsPreviewSchema, body).url);
  }
}
