import { Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res, StreamableFile } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http-types';
import { parseInput } from '../common/validation';
import { StreamedBody } from '../http/streamed-body';
import { createThumbnailBody, NAME_PARAM, replaceThumbnailBody, thumbnailAnswerSchema, thumbnailListSchema, thumbnailQuerySchema } from './thumbnails.api-doc';
import { readSmallUpload } from './thumbnail-form';
import { THUMBNAIL_MAX_BYTES, ThumbnailsService } from './thumbnails.service';

const UPLOAD_PROBLEMS = {
  400: ['REQUEST.MALFORMED', 'STORAGE.UNSAFE_PATH', 'THUMBNAIL.INVALID_NAME', 'VALIDATION.FAILED'],
  413: ['THUMBNAIL.TOO_LARGE'],
  415: ['THUMBNAIL.UNSUPPORTED_TYPE', 'UPLOAD.NOT_MULTIPART'],
};

@Controller('api/v1/thumbnails')
export class ThumbnailsController {
  constructor(private readonly thumbnails: ThumbnailsService) {}

  @Get()
  @ApiDoc({
    summary: 'List my thumbnails',
    description: 'Your thumbnails (the shared library is copied to you when your account is created), then the shared images you have no copy of.',
    responses: { 200: { description: 'The thumbnails.', schema: thumbnailListSchema } },
  })
  list(@CurrentUser() user: Principal) {
    return this.thumbnails.list(user.userId);
  }

  @Post()
  @HttpCode(201)
  @StreamedBody('multipart/form-data')
  @ApiDoc({
    summary: 'Upload a thumbnail',
    description: 'A new PNG or JPEG image of at most 2 MB, checked by its content. 409 when you have one of that name: `PUT /thumbnails/{name}` replaces it.',
    rawBody: createThumbnailBody,
    responses: { 201: { description: 'Stored.', schema: thumbnailAnswerSchema } },
    problems: { ...UPLOAD_PROBLEMS, 409: ['THUMBNAIL.EXISTS'] },
  })
  async create(@Req() request: Request, @CurrentUser() user: Principal) {
    return this.thumbnails.create(user.userId, await readSmallUpload(request, THUMBNAIL_MAX_BYTES));
  }

  @Put(':name')
  @StreamedBody('multipart/form-data')
  @ApiDoc({
    summary: 'Replace or create a thumbnail',
    description: 'Writes your thumbnail of this name (200 when it replaced one, 201 when it is new). The image must be of the type the name\'s extension says.',
    params: NAME_PARAM,
    rawBody: replaceThumbnailBody,
    responses: { 200: { description: 'Replaced.', schema: thumbnailAnswerSchema }, 201: { description: 'Created.', schema: thumbnailAnswerSchema } },
    problems: { ...UPLOAD_PROBLEMS, 400: [...UPLOAD_PROBLEMS[400], 'THUMBNAIL.EXTENSION_MISMATCH'] },
  })
  async replace(@Req() request: Request, @Res({ passthrough: true }) response: Response, @CurrentUser() user: Principal, @Param('name') name: string) {
    const upload = await readSmallUpload(request, THUMBNAIL_MAX_BYTES);
    const { created, answer } = await this.thumbnails.replace(user.userId, name, upload);
    response.status(created ? 201 : 200);
    return answer;
  }

  @Get(':name')
  @ApiDoc({
    summary: 'Get a thumbnail image',
    description: 'The bytes of your copy, or of the shared library\'s image of that name when you have none (unless `use_template=false`).',
    params: NAME_PARAM,
    query: thumbnailQuerySchema,
    responses: { 200: { description: 'The image.', contentType: 'image/png' } },
    problems: { 400: ['THUMBNAIL.INVALID_NAME'], 404: ['THUMBNAIL.NOT_FOUND'] },
  })
  async get(@CurrentUser() user: Principal, @Param('name') name: string, @Query() query: unknown): Promise<StreamableFile> {
    const { use_template } = parseInput(thumbnailQuerySchema, query);
    const file = await this.thumbnails.open(user.userId, name, use_template !== 'false');
    return new StreamableFile(file.body, { type: file.contentType, length: file.sizeBytes, disposition: `inline; filename="${file.name}"` });
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a thumbnail',
    description: 'Deletes your copy. The shared library is never changed: a name you have no copy of is 404.',
    params: NAME_PARAM,
    responses: { 204: { description: 'Deleted.' } },
    problems: { 400: ['THUMBNAIL.INVALID_NAME'], 404: ['THUMBNAIL.NOT_FOUND'] },
  })
  async delete(@CurrentUser() user: Principal, @Param('name') name: string): Promise<void> {
    await this.thumbnails.delete(user.userId, name);
  }
}
