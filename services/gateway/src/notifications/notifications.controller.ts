import { Body, Controller, Get, HttpCode, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import { Public, RateLimitClass } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import type { HttpRequest, HttpResponse } from '../common/http-types';
import { registerProblemTitles } from '../common/problem-details';
import { parseInput } from '../common/validation';
import { StreamedBody } from '../http/streamed-body';
import type { GatewayConfig } from '../config/config.schema';
import { escapeHtml, htmlPage, wantsHtml } from '../identity/html';
import { linkFailedPage } from '../identity/pages';
import { sendNegotiated } from '../identity/responses';
import { NOTIFICATION_KINDS } from './notification-kinds';
import { preferencesSchema, unsubscribedSchema, unsubscribeOfferSchema, unsubscribeQuerySchema, updatePreferencesSchema } from './notifications.dto';
import { NotificationsRepository } from './notifications.repository';
import { unsubscribeLinks } from './recording-notifications.consumer';
import type { UnsubscribeLinks } from './unsubscribe-link';

registerProblemTitles({ 'NOTIFICATION.LINK_INVALID': 'This unsubscribe link is not valid' });

function linkInvalid(): LeapError {
  return new LeapError('NOTIFICATION.LINK_INVALID', 'This unsubscribe link was changed or belongs to an account that no longer exists', { status: 400 });
}

/** The caller's notification switches. */
@Controller('api/v1/users/me/notifications')
export class NotificationPreferencesController {
  constructor(private readonly repository: NotificationsRepository) {}

  @Get()
  @ApiDoc({
    summary: 'Your notification switches',
    description: 'Which mails you get: when a recording is ready, when its processing failed, when your usage nears or reaches a limit of your plan. Every kind is on until you switch it off.',
    tag: 'users',
    responses: { 200: { description: 'The switches', schema: preferencesSchema } },
  })
  get(@CurrentUser() user: Principal) {
    return this.repository.preferences(user.userId);
  }

  @Patch()
  @ApiDoc({
    summary: 'Change your notification switches',
    description: 'Switches left out stay as they are.',
    tag: 'users',
    body: updatePreferencesSchema,
    responses: { 200: { description: 'The switches as they are now', schema: preferencesSchema } },
    problems: { 400: ['VALIDATION.FAILED'] },
  })
  update(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.repository.update(user.userId, parseInput(updatePreferencesSchema, body));
  }
}

/** The unsubscribe link of notification mails: no sign-in, one kind for one user, signed. */
@Controller('api/v1/notifications')
@Public()
@RateLimitClass('credentials')
export class UnsubscribeController {
  private readonly links: UnsubscribeLinks;

  constructor(
    private readonly repository: NotificationsRepository,
    @Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'JWT_SECRET' | 'PUBLIC_BASE_URL'>,
  ) {
    this.links = unsubscribeLinks(config);
  }

  @Get('unsubscribe')
  @ApiDoc({
    summary: 'Open an unsubscribe link',
    description:
      'The link at the bottom of a notification mail. It changes nothing by itself (mail scanners follow links): browsers (Accept: text/html) get a ' +
      'page with a button that POSTs the same link; other clients get what a POST would turn off.',
    tag: 'users',
    query: unsubscribeQuerySchema,
    responses: { 200: { description: 'The link is valid (an HTML page when the client prefers text/html)', schema: unsubscribeOfferSchema } },
    problems: { 400: ['VALIDATION.FAILED', 'NOTIFICATION.LINK_INVALID'] },
  })
  offer(@Query() query: unknown, @Req() request: HttpRequest, @Res() response: HttpResponse): void {
    const html = wantsHtml(request);
    try {
      const { user, kind, sig } = parseInput(unsubscribeQuerySchema, query);
      if (!this.links.verify(user, kind, sig)) throw linkInvalid();
      const label = NOTIFICATION_KINDS[kind].label;
      const action = `/api/v1/notifications/unsubscribe?${new URLSearchParams({ user, kind, sig }).toString()}`;
      sendNegotiated(
        response,
        200,
        html
          ? {
              html: htmlPage(
                'Unsubscribe',
                `<h1>Unsubscribe</h1><p>Stop the mail you get when ${escapeHtml(label)}?</p>` +
                  `<form method="post" action="${escapeHtml(action)}"><button type="submit">Turn it off</button></form>`,
              ),
            }
          : { json: { kind, unsubscribed: false } },
      );
    } catch (error) {
      if (!html || !(error instanceof LeapError) || error.status >= 500) throw error;
      sendNegotiated(response, error.status, { html: linkFailedPage('This link does not work', error.message, 'Change your notification settings after signing in.') });
    }
  }

  @Post('unsubscribe')
  @HttpCode(200)
  // The page's form, or a mail client's one-click unsubscribe (RFC 8058: `List-Unsubscribe=One-Click`); the body says nothing the link does not.
  @StreamedBody('application/x-www-form-urlencoded')
  @ApiDoc({
    summary: 'Unsubscribe',
    description: 'Turns that kind of mail off for the link\'s user, without signing in. Posting it again answers the same.',
    tag: 'users',
    query: unsubscribeQuerySchema,
    responses: { 200: { description: 'That kind is off (an HTML page when the client prefers text/html)', schema: unsubscribedSchema } },
    problems: { 400: ['VALIDATION.FAILED', 'NOTIFICATION.LINK_INVALID'] },
  })
  async unsubscribe(@Query() query: unknown, @Req() request: HttpRequest, @Res() response: HttpResponse): Promise<void> {
    request.resume();
    // A changed link was already shown as a page when it was opened (GET): a POST answers the problem.
    const { user, kind, sig } = parseInput(unsubscribeQuerySchema, query);
    if (!this.links.verify(user, kind, sig) || !(await this.repository.turnOff(user, kind))) throw linkInvalid();
    const label = NOTIFICATION_KINDS[kind].label;
    sendNegotiated(
      response,
      200,
      wantsHtml(request)
        ? {
            html: htmlPage(
              'Unsubscribed',
              `<h1>Unsubscribed</h1><p>You will no longer get a mail when ${escapeHtml(label)}.</p><p class="hint">Switch it on again in your account settings.</p>`,
            ),
          }
        : { json: { kind, unsubscribed: true } },
    );
  }
}
