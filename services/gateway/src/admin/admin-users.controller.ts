import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { AdminOnly } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { adminUserPageSchema, adminUserViewSchema, listUsersQuerySchema, patchUserSchema } from './admin.dto';
import { AdminUsersService } from './admin-users.service';

const ADMIN_PROBLEMS = { 403: ['AUTH.ADMIN_REQUIRED', 'AUTH.INSUFFICIENT_SCOPE'] };

/** Administrators' user management. */
@Controller('api/v1/admin/users')
@AdminOnly()
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiDoc({
    summary: 'List users',
    tag: 'admin',
    query: listUsersQuerySchema,
    responses: { 200: { description: 'A page of users', schema: adminUserPageSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...ADMIN_PROBLEMS },
  })
  list(@Query() query: unknown) {
    return this.users.list(parseInput(listUsersQuerySchema, query));
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a user',
    tag: 'admin',
    params: { id: 'The user id' },
    responses: { 200: { description: 'The user', schema: adminUserViewSchema } },
    problems: { ...ADMIN_PROBLEMS, 404: ['USER.NOT_FOUND'] },
  })
  get(@Param('id') id: string) {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change a user',
    description:
      'Role, activation, email verification and feature flags; fields left out stay as they are. Deactivating signs the user out of every session and ' +
      'makes their API keys answer 403 AUTH.ACCOUNT_DISABLED until reactivated. Administrators cannot demote or deactivate themselves. ' +
      'Every change is recorded in the audit log.',
    tag: 'admin',
    params: { id: 'The user id' },
    body: patchUserSchema,
    responses: { 200: { description: 'The user as changed', schema: adminUserViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...ADMIN_PROBLEMS, 404: ['USER.NOT_FOUND'], 409: ['ADMIN.SELF_CHANGE'] },
  })
  update(@CurrentUser() admin: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.users.update(admin, id, parseInput(patchUserSchema, body));
  }
}
