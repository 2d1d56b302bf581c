import { Body, Controller, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { unauthenticated } from '../access/problems';
import { SessionCredentialGuard } from '../access/session-credential.guard';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import { AccountsRepository } from './accounts.repository';
import { changePasswordSchema, profileSchema, updateProfileSchema, type Profile } from './identity.dto';
import { PasswordService } from './password.service';

/** The caller's own account. */
@Controller('api/v1/users')
export class ProfileController {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly passwords: PasswordService,
  ) {}

  @Get('me')
  @ApiDoc({
    summary: 'Your account',
    tag: 'users',
    responses: { 200: { description: 'The account of the caller', schema: profileSchema } },
  })
  me(@CurrentUser() principal: Principal): Promise<Profile> {
    return this.profileOf(principal.userId);
  }

  @Patch('me')
  @ApiDoc({
    summary: 'Change your name',
    description: '`fullName: null` (or an empty string) clears it; a missing key leaves it as it is.',
    tag: 'users',
    body: updateProfileSchema,
    responses: { 200: { description: 'The account as it is now', schema: profileSchema } },
  })
  async update(@CurrentUser() principal: Principal, @Body() body: unknown): Promise<Profile> {
    const input = parseInput(updateProfileSchema, body);
    if (input.fullName !== undefined) await this.accounts.setFullName(principal.userId, input.fullName);
    return this.profileOf(principal.userId);
  }

  @Post('me/password')
  @HttpCode(204)
  @UseGuards(SessionCredentialGuard)
  @ApiDoc({
    summary: 'Change your password',
    description:
      'Needs the current password and a signed-in user (not an API key: a program never changes its owner\'s password). Every session of the account is signed out: sign in again with the new password.',
    tag: 'users',
    body: changePasswordSchema,
    responses: { 204: { description: 'The password is changed' } },
    problems: { 401: ['AUTH.INVALID_CREDENTIALS'], 403: ['AUTH.SESSION_REQUIRED'] },
  })
  async changePassword(@CurrentUser() principal: Principal, @Body() body: unknown): Promise<void> {
    await this.passwords.changePassword(principal.userId, parseInput(changePasswordSchema, body));
  }

  private async profileOf(userId: string): Promise<Profile> {
    const profile = await this.accounts.profile(userId);
    if (!profile) throw unauthenticated('The account no longer exists');
    return profile;
  }
}
