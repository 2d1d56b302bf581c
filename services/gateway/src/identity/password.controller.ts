import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { Public, RateLimitClass } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import type { HttpRequest, HttpResponse } from '../common/http-types';
import { parseInput } from '../common/validation';
import { emailSchema, mailAcceptedSchema, resetInstructionsSchema, resetPasswordSchema, tokenSchema } from './identity.dto';
import { wantsHtml } from './html';
import { OneTimeTokens } from './one-time-tokens';
import { linkFailedPage, resetPasswordPage } from './pages';
import { PasswordService } from './password.service';
import { tokenInvalid } from './problems';
import { sendNegotiated } from './responses';

/** Forgotten passwords: the reset mail and setting a new password with its token. */
@Controller('api/v1/auth')
@Public()
@RateLimitClass('credentials')
export class PasswordController {
  constructor(
    private readonly passwords: PasswordService,
    private readonly tokens: OneTimeTokens,
  ) {}

  @Post('forgot-password')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Mail a link to choose a new password',
    description:
      'Always 202 with the same body, whether or not the address has an account. ' +
      'One mail per address per MAIL_RESEND_COOLDOWN: a second request within it is 429 with Retry-After (for any address). ' +
      'The link is valid for PASSWORD_RESET_TTL (1 hour by default) and replaces earlier ones.',
    tag: 'auth',
    body: emailSchema,
    responses: { 202: { description: 'Accepted', schema: mailAcceptedSchema } },
    problems: { 429: ['AUTH.MAIL_COOLDOWN'] },
  })
  forgot(@Body() body: unknown) {
    return this.passwords.forgotPassword(parseInput(emailSchema, body).email);
  }

  @Get('reset-password')
  @ApiDoc({
    summary: 'Follow the password-reset link',
    description: 'Browsers (Accept: text/html) get a form that posts the new password; other clients get JSON saying how to POST it. Does not use the token up.',
    tag: 'auth',
    query: tokenSchema,
    responses: { 200: { description: 'How to set the new password (an HTML form when the client prefers text/html)', schema: resetInstructionsSchema } },
    problems: { 400: ['AUTH.TOKEN_INVALID'] },
  })
  async resetLink(@Query() query: unknown, @Req() request: HttpRequest, @Res() response: HttpResponse): Promise<void> {
    const html = wantsHtml(request);
    try {
      const { token } = parseInput(tokenSchema, query);
      if (!(await this.tokens.isLive(token, 'reset-password'))) throw tokenInvalid('password reset');
      sendNegotiated(
        response,
        200,
        html
          ? { html: resetPasswordPage(token) }
          : {
              json: {
                message: 'POST the token and the new password as JSON to this address',
                method: 'POST',
                url: '/api/v1/auth/reset-password',
                body: { token, newPassword: '<at least 8 characters with a digit and an uppercase letter>' },
              },
            },
      );
    } catch (error) {
      if (!html || !(error instanceof LeapError) || error.status >= 500) throw error;
      sendNegotiated(response, error.status, {
        html: linkFailedPage('This link does not work', error.message, 'Ask for a new password-reset mail from the sign-in page.'),
      });
    }
  }

  @Post('reset-password')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Set a new password with the token from the reset mail',
    description: 'The token works once. Every session of the account is signed out and the email address counts as verified.',
    tag: 'auth',
    body: resetPasswordSchema,
    responses: { 204: { description: 'The password is changed; sign in again' } },
    problems: { 400: ['AUTH.TOKEN_INVALID'] },
  })
  async reset(@Body() body: unknown): Promise<void> {
    await this.passwords.resetPassword(parseInput(resetPasswordSchema, body));
  }
}
