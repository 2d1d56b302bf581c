import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import { attachmentDisposition } from '../../http/content-disposition';
import { FILE_TYPES, RecordingFiles, type FileType } from './recording-files.service';

const fileParams = z.object({ id: z.string(), type: z.enum(Object.keys(FILE_TYPES) as [FileType, ...FileType[]]) });
const fileQuery = z
  .object({
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'must be a language code such as de or pt-BR')
      .optional()
      .describe('`srt` and `vtt` only: the subtitles translated into this language (a template\'s `transcription.translateTo`)'),
  })
  .strict();

/** `GET /api/v1/recordings/{id}/files/{type}`: every transcript form under the reference's names (see RecordingFiles). */
@Controller('api/v1/recordings')
export class RecordingFilesController {
  constructor(private readonly files: RecordingFiles) {}

  @Get(':id/files/:type')
  @ApiDoc({
    summary: 'Download a transcript file',
    description:
      '`srt`, `vtt`, `transcript_json` (the master transcript), `transcript_txt` (one `[HH:MM:SS.mmm - HH:MM:SS.mmm] text` line per segment) or ' +
      '`transcript_words` (one such line per word), as an attachment, once the pipeline has produced it. ' +
      'With `language`, the subtitles translated into that language (`subtitles.<lang>.srt`).',
    params: { id: 'The recording id.', type: { description: 'Which file.', enum: Object.keys(FILE_TYPES) } },
    query: fileQuery,
    responses: { 200: { description: 'The file.', headers: { 'Content-Disposition': 'attachment; filename="<title>.<ext>"' } } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['ARTIFACT.NOT_READY', 'RECORDING.NOT_FOUND'] },
  })
  async file(@CurrentUser() user: Principal, @Param('id') id: string, @Param('type') type: string, @Query() query: unknown): Promise<StreamableFile> {
    const params = parseInput(fileParams, { id, type });
    const { language } = parseInput(fileQuery, query ?? {});
    const file = language ? await this.files.translated(user.userId, id, params.type, language) : await this.files.file(user.userId, id, params.type);
    return new StreamableFile(file.body as Buffer, { type: file.contentType, length: file.length, disposition: attachmentDisposition(file.filename) });
  }
}
