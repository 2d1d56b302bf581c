import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { pipeline } from 'node:stream/promises';
import { LeapError } from '@leap/messaging';
import type { HttpResponse as Response } from '../../common/http-types';
import { Public, RateLimitClass } from '../../access/decorators';
import { ApiDoc } from '../../common/api-doc';
import { mediaDownloadDoc } from './media.api-doc';
import { MediaService } from './media.service';

/**
 * Downloads through signed gateway URLs (local storage). Public: the signature is the permission.
 * Not rate limited: a player seeking sends many range requests, and a request without a valid
 * signature costs one HMAC.
 */
@Controller('api/v1/media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Get(':token')
  @Public()
  @RateLimitClass('none')
  @ApiDoc(mediaDownloadDoc)
  async download(
    @Param('token') token: string,
    @Query() query: Record<string, unknown>,
    @Headers('range') range: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    let download;
    try {
      download = await this.media.open(token, query.expires, query.signature, range);
    } catch (error) {
      if (error instanceof LeapError && error.code === 'MEDIA.RANGE_NOT_SATISFIABLE' && typeof error.details?.sizeBytes === 'number') {
        response.setHeader('Content-Range', `bytes */${error.details.sizeBytes}`);
      }
      throw error;
    }
    response.status(download.status);
    for (const [name, value] of Object.entries(download.headers)) response.setHeader(name, value);
    // A client that goes away mid-way ends the read of the object too.
    await pipeline(download.body, response).catch(() => undefined);
  }
}
