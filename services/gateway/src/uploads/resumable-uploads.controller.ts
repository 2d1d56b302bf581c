import { Controller, Delete, Head, HttpCode, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http-types';
import { Public, RequireFlag, RequireScope } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { StreamedBody } from '../http/streamed-body';
import { appendDoc, createDoc, discoverDoc, statusDoc, terminateDoc } from './resumable-uploads.api-doc';
import { ResumableUploadsService } from './resumable-uploads.service';

/**
 * Resumable uploads (tus 1.0) at /api/v1/uploads. Every method needs the `write` scope (HEAD too:
 * it is part of uploading) and the `upload` feature; tus writes the answers itself.
 */
@Controller('api/v1/uploads')
@RequireScope('write')
export class ResumableUploadsController {
  constructor(private readonly uploads: ResumableUploadsService) {}

  @Options()
  @Public()
  @HttpCode(204)
  @ApiDoc(discoverDoc)
  discover(@Req() request: Request, @Res() response: Response): Promise<void> {
    return this.uploads.discover(request, response);
  }

  @Post()
  @HttpCode(201)
  @RequireFlag('upload')
  @StreamedBody('application/offset+octet-stream')
  @ApiDoc(createDoc)
  create(@Req() request: Request, @Res() response: Response, @CurrentUser() user: Principal): Promise<void> {
    return this.uploads.create(request, response, user.userId);
  }

  @Head(':id')
  @RequireFlag('upload')
  @ApiDoc(statusDoc)
  status(@Req() request: Request, @Res() response: Response, @CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    return this.uploads.status(request, response, user.userId, id);
  }

  @Patch(':id')
  @HttpCode(204)
  @RequireFlag('upload')
  @StreamedBody('application/offset+octet-stream')
  @ApiDoc(appendDoc)
  append(@Req() request: Request, @Res() response: Response, @CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    return this.uploads.append(request, response, user.userId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireFlag('upload')
  @ApiDoc(terminateDoc)
  terminate(@Req() request: Request, @Res() response: Response, @CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    return this.uploads.terminate(request, response, user.userId, id);
  }
}
