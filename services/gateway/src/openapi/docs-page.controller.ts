import { Controller, Get, Header, Param, StreamableFile } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { Public, RateLimitClass } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import { ASSET_NAMES, DOCS_PAGE_HTML, docsAsset } from './docs-page';

/** The interactive API reference (Swagger UI) and the files it loads, all served by the gateway. */
@Controller('api/docs')
@Public()
@RateLimitClass('none')
export class DocsPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @ApiDoc({
    summary: 'The interactive API reference',
    description: 'An HTML page (Swagger UI) showing `/api/v1/openapi.json`; everything it loads comes from the gateway.',
    tag: 'Documentation',
    responses: { 200: { description: 'The page.', contentType: 'text/html' } },
  })
  page(): string {
    return DOCS_PAGE_HTML;
  }

  @Get('assets/:file')
  @Header('Cache-Control', 'public, max-age=86400')
  @ApiDoc({
    summary: 'A file of the reference page',
    description: `Scripts, styles and icons of the reference page. Files: ${ASSET_NAMES.map((n) => `\`${n}\``).join(', ')}.`,
    tag: 'Documentation',
    params: { file: 'The file name.' },
    responses: { 200: { description: 'The file, with its content type.', contentType: 'application/octet-stream' } },
    problems: { 404: ['HTTP.NOT_FOUND'] },
  })
  async asset(@Param('file') file: string): Promise<StreamableFile> {
    const asset = await docsAsset(file);
    if (!asset) throw new LeapError('HTTP.NOT_FOUND', `The reference page has no file "${file}"`, { status: 404 });
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
