import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { apiKeyPageSchema, createApiKeySchema, createdApiKeySchema, listApiKeysQuerySchema } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';
import { SessionCredentialGuard } from '../access/session-credential.guard';

const SESSION_ONLY = 'Needs a signed-in user (access token or session cookie); an API key gets 403 AUTH.SESSION_REQUIRED.';

/** The caller's API keys, for programs that call the API without a user signing in. */
@Controller('api/v1/api-keys')
@UseGuards(SessionCredentialGuard)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @Idempotent({ notStored: ['key'] })
  @ApiDoc({
    summary: 'Create an API key',
    description: `The answer is the only time the key is shown: store it. Only administrators may give a key the admin scope. ${SESSION_ONLY}`,
    tag: 'api-keys',
    body: createApiKeySchema,
    responses: { 201: { description: 'The key, shown once', schema: createdApiKeySchema } },
    problems: { 400: ['VALIDATION.FAILED'], 403: ['AUTH.SESSION_REQUIRED', 'AUTH.ADMIN_REQUIRED'] },
  })
  create(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.keys.create(user, parseInput(createApiKeySchema, body));
  }

  @Get()
  @ApiDoc({
    summary: "List the caller's API keys",
    description: `Never shows the keys themselves, only their prefix. ${SESSION_ONLY}`,
    tag: 'api-keys',
    query: listApiKeysQuerySchema,
    responses: { 200: { description: 'A page of keys', schema: apiKeyPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 403: ['AUTH.SESSION_REQUIRED'] },
  })
  list(@CurrentUser() user: Principal, @Query() query: unknown) {
    return this.keys.list(user.userId, parseInput(listApiKeysQuerySchema, query));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Revoke an API key',
    description: `The key stops working at once and stays listed as revoked. Revoking it again is fine. ${SESSION_ONLY}`,
    tag: 'api-keys',
    params: { id: 'The key id' },
    responses: { 204: { description: 'Revoked' } },
    problems: { 403: ['AUTH.SESSION_REQUIRED'], 404: ['API_KEY.NOT_FOUND'] },
  })
  async revoke(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    await this.keys.revoke(user.userId, id);
  }
}
