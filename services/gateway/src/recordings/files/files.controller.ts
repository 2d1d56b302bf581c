import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import { attachmentDisposition } from '../../http/content-disposition';
import { FILE_TYPES, RecordingFiles, type FileType } from './recording-files.service';

const fileParams = z.object({ id: z.string(), type: z.enum(Object.keys(FILE_TYPES) as [FileType, ...FileType[]]) });

/** `GET /api/v1/recordings/{id}/files/{type}`: every transcript form under the reference's names (see RecordingFiles). */
@Controller('api/v1/recordings')
export class RecordingFilesController {
  constructor(private readonly files: RecordingFiles) {}

  @Get(':id/files/:type')
  @ApiDoc({
    summary: 'Download a transcript file',
    description:
      '`srt`, `vtt`, `transcript_json` (the master transcript), `transcript_txt` (one `[HH:MM:SS.mmm - HH:MM:SS.mmm] text` line per segment) or ' +
      '`transcript_words` (one such line per word), as an attachment, once the pipeline has produced it.',
    params: { id: 'The recording id.', type: { description: 'Which file.', enum: Object.keys(FILE_TYPES) } },
    responses: { 200: { description: 'The file.', headers: { 'Content-Disposition': 'attachment; filename="<title>.<ext>"' } } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['ARTIFACT.NOT_READY', 'RECORDING.NOT_FOUND'] },
  })
  async file(@CurrentUser() user: Principal, @Param('id') id: string, @Param('type') type: string): Promise<StreamableFile> {
    const params = parseInput(fileParams, { id, type });
    const file = await this.files.file(user.userId, id, params.type);
    return new StreamableFile(file.body as Buffer, { type: file.contentType, length: file.length, disposition: attachmentDisposition(file.filename) });
  }
}
