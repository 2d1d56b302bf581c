import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { LeapError } from '@leap/errors';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import type { HttpResponse as Response } from '../common/http-types';
import { parseInput } from '../common/validation';
import { StorageStreamService } from './storage-stream.service';

export const streamQuerySchema = z.object({
  key: z.string().min(1).max(1024).describe('A storage key of yours (`users/<your id>/...`) or of the shared library (`shared/...`), as docs/storage.md lays them out.'),
});

@Controller('api/v1/storage')
export class StorageController {
  constructor(private readonly objects: StorageStreamService) {}

  @Get('stream')
  @ApiDoc({
    summary: 'Stream an object by its key',
    description:
      'The bytes of one object of yours, or of the shared library, with `Range` support. The key is checked from its text before storage is asked: ' +
      'path traversal or encoded separators are 400 `STORAGE.UNSAFE_PATH`, a key under another user\'s folder is 404 `STORAGE.FOREIGN_KEY`.',
    query: streamQuerySchema,
    responses: {
      200: { description: 'The whole object.', contentType: 'application/octet-stream', headers: { 'Accept-Ranges': 'bytes', ETag: 'The SHA-256 of the content, when known.' } },
      206: { description: 'The asked range.', contentType: 'application/octet-stream', headers: { 'Content-Range': 'bytes <start>-<end>/<size>' } },
    },
    problems: { 400: ['STORAGE.UNSAFE_PATH'], 404: ['STORAGE.FOREIGN_KEY', 'STORAGE.NOT_FOUND'], 416: ['MEDIA.RANGE_NOT_SATISFIABLE'] },
  })
  async stream(@CurrentUser() user: Principal, @Query() query: unknown, @Headers('range') range: string | undefined, @Res() response: Response): Promise<void> {
    const { key } = parseInput(streamQuerySchema, query);
    let download;
    try {
      download = await this.objects.open(user.userId, key, range);
    } catch (error) {
      if (error instanceof LeapError && error.code === 'MEDIA.RANGE_NOT_SATISFIABLE' && typeof error.details?.sizeBytes === 'number') {
        response.setHeader('Content-Range', `bytes */${error.details.sizeBytes}`);
      }
      throw error;
    }
    response.status(download.status);
    for (const [name, value] of Object.entries(download.headers)) response.setHeader(name, value);
    await pipeline(download.body, response).catch(() => undefined);
  }
}
