import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { Public, RateLimitClass } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import type { HttpRequest, HttpResponse } from '../common/http-types';
import { parseInput } from '../common/validation';
import { emailSchema, mailAcceptedSchema, registeredSchema, registerSchema, tokenSchema, verifiedSchema } from './identity.dto';
import { wantsHtml } from './html';
import { linkFailedPage, verifiedPage } from './pages';
import { RegistrationService } from './registration.service';
import { sendNegotiated } from './responses';

/** Creating an account and proving the email address. */
@Controller('api/v1/auth')
@Public()
@RateLimitClass('credentials')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post('register')
  @HttpCode(201)
  @ApiDoc({
    summary: 'Create an account',
    description:
      'Creates an account and mails a verification link to the address; signing in needs the verified address. ' +
      'The password needs at least 8 characters, a digit and an uppercase letter.',
    tag: 'auth',
    body: registerSchema,
    responses: { 201: { description: 'The account, not yet verified', schema: registeredSchema } },
    problems: { 409: ['AUTH.EMAIL_TAKEN'] },
  })
  register(@Body() body: unknown) {
    return this.registration.register(parseInput(registerSchema, body));
  }

  @Get('verify-email')
  @ApiDoc({
    summary: 'Follow the verification link',
    description: 'The link of the verification mail. Browsers (Accept: text/html) get a small page; other clients get JSON. Following it again answers the same.',
    tag: 'auth',
    query: tokenSchema,
    responses: { 200: { description: 'The address is verified (an HTML page when the client prefers text/html)', schema: verifiedSchema } },
    problems: { 400: ['AUTH.TOKEN_INVALID'] },
  })
  async verifyByLink(@Query() query: unknown, @Req() request: HttpRequest, @Res() response: HttpResponse): Promise<void> {
    const html = wantsHtml(request);
    try {
      const result = await this.registration.verifyEmail(parseInput(tokenSchema, query).token);
      sendNegotiated(response, 200, html ? { html: verifiedPage(result.email) } : { json: result });
    } catch (error) {
      if (!html || !(error instanceof LeapError) || error.status >= 500) throw error;
      sendNegotiated(response, error.status, {
        html: linkFailedPage('This link does not work', error.message, 'Ask for a new verification mail from the sign-in page.'),
      });
    }
  }

  @Post('verify-email')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Verify the email address with the token from the mail',
    tag: 'auth',
    body: tokenSchema,
    responses: { 200: { description: 'The address is verified', schema: verifiedSchema } },
    problems: { 400: ['AUTH.TOKEN_INVALID'] },
  })
  verify(@Body() body: unknown) {
    return this.registration.verifyEmail(parseInput(tokenSchema, body).token);
  }

  @Post('resend-verification')
  @HttpCode(202)
  @ApiDoc({
    summary: 'Send the verification mail again',
    description:
      'Always 202 with the same body, whether or not the address has an account or is already verified. ' +
      'One mail per address per MAIL_RESEND_COOLDOWN: a second request within it is 429 with Retry-After (for any address). ' +
      'The new link replaces the earlier ones.',
    tag: 'auth',
    body: emailSchema,
    responses: { 202: { description: 'Accepted', schema: mailAcceptedSchema } },
    problems: { 429: ['AUTH.MAIL_COOLDOWN'] },
  })
  resend(@Body() body: unknown) {
    return this.registration.resendVerification(parseInput(emailSchema, body).email);
  }
}
