import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { z } from 'zod';
import { Idempotent, Public } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { attachmentDisposition } from '../http/content-disposition';
import { FILE_TYPES, type FileType } from '../recordings/files/recording-files.service';
import { mediaUrlQuerySchema, mediaUrlSchema } from '../recordings/media/media.api-doc';
import { MEDIA_URL_DEFAULT_SECONDS } from '../recordings/media/media-url.signer';
import { SHARE_PARTS } from './share-links.repository';
import { ShareLinksService } from './share-links.service';

const MAX_EXPIRES_IN = 365 * 24 * 3600;

const createBody = z
  .object({
    include: z
      .array(z.enum(SHARE_PARTS))
      .min(1)
      .max(SHARE_PARTS.length)
      .optional()
      .describe('What the link shares besides the title: `media`, `transcript`, `subtitles`, `topics` (summary, topics, questions). Default: all.'),
    expiresIn: z
      .number()
      .int()
      .min(60)
      .max(MAX_EXPIRES_IN)
      .nullable()
      .optional()
      .describe('Seconds until the link stops working (1 minute to 365 days). Absent or null: until revoked.'),
  })
  .strict();

const linkSchema = z.object({
  id: z.string(),
  recordingId: z.string(),
  token: z.string().describe('The secret part of the link: whoever has it sees what the link shares.'),
  url: z.string().describe('The public metadata URL, to hand out.'),
  include: z.array(z.enum(SHARE_PARTS)),
  state: z.enum(['ACTIVE', 'EXPIRED', 'REVOKED']),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
  links: z.object({ public: z.string(), recording: z.string() }),
});

const publicViewSchema = z.object({
  title: z.string().nullable(),
  status: z.string(),
  createdAt: z.string(),
  include: z.array(z.enum(SHARE_PARTS)),
  expiresAt: z.string().nullable(),
  summary: z.string().nullable().describe('With `topics` shared, once extracted.'),
  mainTopics: z.array(z.string()).nullable(),
  topics: z.array(z.object({ start: z.number(), end: z.number(), title: z.string() })).nullable(),
  questions: z.array(z.string()).nullable(),
  media: z.array(z.object({ type: z.enum(['processed', 'original']), url: z.string() })).describe('With `media` shared: where to ask for a media URL.'),
  files: z.array(z.object({ type: z.enum(Object.keys(FILE_TYPES) as [FileType, ...FileType[]]), url: z.string() })).describe('The files the link shares that exist.'),
});

const TOKEN_PARAM = { token: 'The share token (the last segment of the link).' };
const GONE = { 404: ['SHARE.NOT_FOUND'], 410: ['SHARE.EXPIRED', 'SHARE.REVOKED'] };
const fileParams = z.object({ type: z.enum(Object.keys(FILE_TYPES) as [FileType, ...FileType[]]) });

/** The owner's share links of a recording: create, list, revoke. */
@Controller('api/v1/recordings')
export class ShareLinksController {
  constructor(private readonly shares: ShareLinksService) {}

  @Post(':id/share')
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Share a recording',
    tag: 'Share links',
    description:
      'A new public link to the recording, sharing what `include` says until `expiresIn` passes or it is revoked. Anyone with the link reads it ' +
      'without an account (`GET /api/v1/share/{token}`). A recording can have several links, each revoked on its own.',
    params: { id: 'The recording id.' },
    body: createBody,
    responses: { 201: { description: 'The link.', schema: linkSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['RECORDING.NOT_FOUND'] },
  })
  create(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.shares.create(user.userId, id, parseInput(createBody, body ?? {}));
  }

  @Get(':id/share')
  @ApiDoc({
    summary: "List a recording's share links",
    tag: 'Share links',
    description: 'Every link of the recording, newest first, with its state: `ACTIVE`, `EXPIRED` or `REVOKED`.',
    params: { id: 'The recording id.' },
    responses: { 200: { description: 'The links.', schema: z.object({ items: z.array(linkSchema) }) } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  list(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.shares.list(user.userId, id);
  }

  @Delete(':id/share')
  @ApiDoc({
    summary: "Revoke a recording's share links",
    tag: 'Share links',
    description: 'Every open link of the recording stops working at once (410 `SHARE.REVOKED`).',
    params: { id: 'The recording id.' },
    responses: { 200: { description: 'How many links were revoked.', schema: z.object({ revoked: z.number().int() }) } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  revokeAll(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.shares.revokeAll(user.userId, id);
  }

  @Delete(':id/share/:linkId')
  @ApiDoc({
    summary: 'Revoke a share link',
    tag: 'Share links',
    description: 'The link stops working at once (410 `SHARE.REVOKED`); revoking it again changes nothing.',
    params: { id: 'The recording id.', linkId: 'The link id.' },
    responses: { 200: { description: 'The link, revoked.', schema: linkSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND', 'SHARE.NOT_FOUND'] },
  })
  revoke(@CurrentUser() user: Principal, @Param('id') id: string, @Param('linkId') linkId: string) {
    return this.shares.revoke(user.userId, id, linkId);
  }
}

/** What a share link shows, to anyone who has it. */
@Controller('api/v1/share')
export class PublicShareController {
  constructor(private readonly shares: ShareLinksService) {}

  @Get(':token')
  @Public()
  @ApiDoc({
    summary: 'Open a share link',
    tag: 'Share links',
    description:
      'No credential: the token is the permission. The title and status, the summary, topics and questions when shared, and where the shared media and files are.',
    params: TOKEN_PARAM,
    responses: { 200: { description: 'What the link shares.', schema: publicViewSchema } },
    problems: GONE,
  })
  metadata(@Param('token') token: string) {
    return this.shares.metadata(token);
  }

  @Get(':token/media')
  @Public()
  @ApiDoc({
    summary: 'Get a media URL of a share link',
    tag: 'Share links',
    description:
      `A short-lived URL (at most ${MEDIA_URL_DEFAULT_SECONDS} s, and never past the link's expiry) to play or download the shared media, ` +
      'as `GET /api/v1/recordings/{id}/media` answers it: a presigned S3 URL or a signed gateway URL, both with `Range` support.',
    params: TOKEN_PARAM,
    query: mediaUrlQuerySchema,
    responses: { 200: { description: 'The URL and its lifetime.', schema: mediaUrlSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['ARTIFACT.NOT_READY', 'SHARE.NOT_FOUND', 'SHARE.NOT_INCLUDED'], 410: GONE[410] },
  })
  media(@Param('token') token: string, @Query() query: unknown) {
    const { type, expires_in } = parseInput(mediaUrlQuerySchema, query);
    return this.shares.mediaUrl(token, type, expires_in && expires_in > 0 ? expires_in : undefined);
  }

  @Get(':token/files/:type')
  @Public()
  @ApiDoc({
    summary: 'Download a file of a share link',
    tag: 'Share links',
    description: 'The subtitles (`srt`, `vtt`) or transcript files (`transcript_json`, `transcript_txt`, `transcript_words`) the link shares, as an attachment.',
    params: { ...TOKEN_PARAM, type: { description: 'Which file.', enum: Object.keys(FILE_TYPES) } },
    responses: { 200: { description: 'The file.', headers: { 'Content-Disposition': 'attachment; filename="<title>.<ext>"' } } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['ARTIFACT.NOT_READY', 'SHARE.NOT_FOUND', 'SHARE.NOT_INCLUDED'], 410: GONE[410] },
  })
  async file(@Param('token') token: string, @Param('type') type: string): Promise<StreamableFile> {
    const params = parseInput(fileParams, { type });
    const file = await this.shares.file(token, params.type);
    return new StreamableFile(file.body as Buffer, { type: file.contentType, length: file.length, disposition: attachmentDisposition(file.filename) });
  }
}
