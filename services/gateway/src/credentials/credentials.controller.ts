import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import type { HttpResponse } from '../common/http-types';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { isUuid, parseInput } from '../common/validation';
import {
  createCredentialSchema,
  credentialPageSchema,
  credentialStatusSchema,
  credentialViewSchema,
  listCredentialsQuerySchema,
  updateCredentialSchema,
  yandexDiskBrowseQuerySchema,
  yandexDiskFolderPageSchema,
  type CredentialView,
} from './credentials.dto';
import { CredentialsService } from './credentials.service';

const TAG = 'credentials';
const UNAVAILABLE = ['INGEST.UNAVAILABLE', 'PUBLISHING.UNAVAILABLE'];

function credentialId(id: string): string {
  if (!isUuid(id)) throw new LeapError('CREDENTIAL.NOT_FOUND', `There is no credential ${id}`, { status: 404 });
  return id;
}

/**
 * Platform credentials. Each is kept by the service that uses it (Zoom and Yandex Disk sources by
 * ingest, upload platforms by publishing), encrypted; answers show masked hints, never a secret.
 */
@Controller('api/v1/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get()
  @ApiDoc({
    summary: 'List credentials',
    description: 'Every platform credential of the caller, newest first, with masked hints of their fields.',
    tag: TAG,
    query: listCredentialsQuerySchema,
    responses: { 200: { description: 'A page of credentials', schema: credentialPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 503: UNAVAILABLE },
  })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.credentials.list(user.userId, parseInput(listCredentialsQuerySchema, query));
  }

  @Get('status')
  @ApiDoc({
    summary: 'Which platforms have a credential',
    tag: TAG,
    responses: { 200: { description: 'Per platform: connected, how many, whether one needs to be connected again', schema: credentialStatusSchema } },
    problems: { 503: UNAVAILABLE },
  })
  status(@CurrentUser() user: Principal) {
    return this.credentials.status(user.userId);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a credential',
    description: 'Masked hints only: a stored secret is never returned.',
    tag: TAG,
    responses: { 200: { description: 'The credential', schema: credentialViewSchema } },
    problems: { 404: ['CREDENTIAL.NOT_FOUND'], 503: UNAVAILABLE },
  })
  get(@CurrentUser() user: Principal, @Param('id') id: string): Promise<CredentialView> {
    return this.credentials.get(user.userId, credentialId(id));
  }

  @Get(':id/yandex-disk/browse')
  @ApiDoc({
    summary: 'Browse a Yandex Disk folder',
    description:
      'One level of a folder of a Yandex Disk source credential (purpose input), for a picker choosing a YANDEX_DISK source\'s folderPath: ' +
      'its folders and files with path, type, size, modified time and whether a file is video or audio, in Yandex Disk\'s order, paged. ' +
      'A credential Yandex refuses is a 409 YANDEX_DISK.NEEDS_REAUTH and shows needsReauth from then on.',
    tag: TAG,
    query: yandexDiskBrowseQuerySchema,
    responses: { 200: { description: 'A page of the folder', schema: yandexDiskFolderPageSchema } },
    problems: {
      400: ['VALIDATION.FAILED'],
      404: ['CREDENTIAL.NOT_FOUND', 'YANDEX_DISK.NOT_FOUND'],
      409: ['YANDEX_DISK.NEEDS_REAUTH'],
      422: ['CREDENTIAL.NOT_BROWSABLE'],
      429: ['YANDEX_DISK.RATE_LIMITED'],
      502: ['YANDEX_DISK.UNAVAILABLE'],
      503: UNAVAILABLE,
    },
  })
  browseYandexDisk(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.credentials.browseYandexDisk(user.userId, credentialId(id), parseInput(yandexDiskBrowseQuerySchema, query));
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiDoc({
    summary: 'Add a platform credential',
    description:
      'From settings (a Zoom Server-to-Server app) or tokens obtained outside LEAP, checked against the platform\'s schema. ' +
      'The same platform, purpose and account name replaces the fields of the existing credential (200) and clears needsReauth. ' +
      'The fields are stored encrypted and never shown again.',
    tag: TAG,
    body: createCredentialSchema,
    responses: { 201: { description: 'Created', schema: credentialViewSchema }, 200: { description: 'The existing credential got the new fields', schema: credentialViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 422: ['CREDENTIAL.INVALID'], 503: ['CREDENTIAL.ENCRYPTION_UNCONFIGURED', ...UNAVAILABLE] },
  })
  async create(@CurrentUser() user: Principal, @Body() body: unknown, @Res({ passthrough: true }) res: HttpResponse): Promise<CredentialView> {
    const reply = await this.credentials.create(user.userId, parseInput(createCredentialSchema, body));
    if (!reply.created) res.status(200);
    return reply.credential;
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change a credential',
    description: 'A new account name, active flag, or fields (replacing the stored ones whole and clearing needsReauth).',
    tag: TAG,
    body: updateCredentialSchema,
    responses: { 200: { description: 'The changed credential', schema: credentialViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['CREDENTIAL.NOT_FOUND'], 409: ['CREDENTIAL.DUPLICATE'], 422: ['CREDENTIAL.INVALID'], 503: ['CREDENTIAL.ENCRYPTION_UNCONFIGURED', ...UNAVAILABLE] },
  })
  update(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown): Promise<CredentialView> {
    const dto = parseInput(updateCredentialSchema, body);
    return this.credentials.update(user.userId, credentialId(id), dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a credential',
    description: 'Presets and sources that used it keep going without one.',
    tag: TAG,
    responses: { 204: { description: 'Deleted' } },
    problems: { 404: ['CREDENTIAL.NOT_FOUND'], 503: UNAVAILABLE },
  })
  async delete(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    await this.credentials.delete(user.userId, credentialId(id));
  }
}
