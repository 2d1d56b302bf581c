import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { HttpResponse as Response } from '../common/http-types';
import { AcceptsStreamToken, RequireScope } from '../access/decorators';
import type { Principal } from '../access/principal';
import { SessionCredentialGuard } from '../access/session-credential.guard';
import { unauthenticated } from '../access/problems';
import { CurrentUser } from '../auth/current-user.decorator';
import { StreamTokens } from '../auth/stream-tokens';
import { UsersRepository } from '../auth/users.repository';
import { ApiDoc, type ApiDocOptions } from '../common/api-doc';
import { isUuid, parseInput } from '../common/validation';
import { validationError } from '../common/problem-details';
import { recordingNotFound } from '../recordings/problems';
import { RecordingsRepository } from '../recordings/recordings.repository';
import { EventLog } from './event-log.repository';
import { PROGRESS_EVENT_TYPES, STREAM_GAP_EVENT } from './progress-event-types';
import { ProgressStreams, STREAM_RETRY_MS } from './progress-streams.service';

const SEQ = /^\d{1,15}$/;

const streamQuerySchema = z.object({
  last_event_id: z.string().optional().describe('Resume after this event (what `Last-Event-ID` says; the header wins when both are sent).'),
  stream_token: z
    .string()
    .optional()
    .describe('A stream token from `POST /api/v1/events/token`, for a browser `EventSource` that cannot send the Authorization header.'),
});

const streamTokenSchema = z.object({
  token: z.string().describe('Pass it as `?stream_token=` to an event stream. It opens streams only, read-only.'),
  expiresIn: z.number().int().describe('Seconds it can still open a stream.'),
  expiresAt: z.string().describe('When it stops opening streams (a stream it opened goes on).'),
});

const EVENT_LIST = Object.entries(PROGRESS_EVENT_TYPES)
  .map(([name, what]) => `\`${name}\`: ${what}`)
  .join(' ');

function streamDoc(summary: string, scope: string, resume: string, id: boolean): ApiDocOptions {
  return {
    summary,
    tag: 'Events',
    description:
      `Server-sent events (\`text/event-stream\`) of ${scope}, from the pipeline's events as they commit, in order. Each message has an \`id\` ` +
      `(the tenant's event sequence), an \`event\` type and one \`data\` line of JSON with \`recordingId\` and \`occurredAt\`. ${EVENT_LIST} ` +
      `A comment line is sent every EVENTS_HEARTBEAT_INTERVAL (15 s) so proxies keep the stream open, and \`retry: ${STREAM_RETRY_MS}\` tells the client when to reconnect. ` +
      `${resume} A client that reconnects with \`Last-Event-ID\` (EventSource does it by itself) gets every event after that one; when some of those are older ` +
      `than EVENTS_RETENTION the stream starts with \`${STREAM_GAP_EVENT}\` and the client should read the state again. ` +
      'From a browser: the session cookie (`EventSource(url, { withCredentials: true })`), or a stream token in `stream_token`.',
    ...(id ? { params: { id: 'The recording id.' } } : {}),
    query: streamQuerySchema,
    responses: { 200: { description: 'The stream; it stays open until the client goes.', contentType: 'text/event-stream' } },
    problems: id
      ? { 400: ['VALIDATION.FAILED'], 404: ['RECORDING.NOT_FOUND'], 429: ['EVENTS.TOO_MANY_STREAMS'] }
      : { 400: ['VALIDATION.FAILED'], 429: ['EVENTS.TOO_MANY_STREAMS'] },
  };
}

/**
 * Live progress as server-sent events: the tenant's stream and one recording's stream (see
 * ProgressStreams), and the stream tokens a browser opens them with.
 */
@Controller('api/v1')
export class EventsController {
  constructor(
    private readonly streams: ProgressStreams,
    private readonly log: EventLog,
    private readonly recordings: RecordingsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: StreamTokens,
  ) {}

  @Post('events/token')
  @HttpCode(201)
  @RequireScope('read')
  @UseGuards(SessionCredentialGuard)
  @ApiDoc({
    summary: 'Get a stream token',
    tag: 'Events',
    description:
      'A short-lived token (EVENTS_STREAM_TOKEN_TTL, 5 minutes) that opens the caller\'s event streams as `?stream_token=`, for a browser `EventSource`, ' +
      'which cannot send the Authorization header. It can open streams only, and only while its session lasts. Signed-in users only, not API keys ' +
      '(a server sends the key in the header).',
    responses: { 201: { description: 'The token.', schema: streamTokenSchema } },
  })
  async token(@CurrentUser() user: Principal) {
    if (user.credential.kind !== 'access-token') throw unauthenticated();
    const account = await this.users.accessState(user.userId);
    if (!account) throw unauthenticated();
    const { token, claims } = this.tokens.issue({ userId: user.userId, sessionId: user.credential.sessionId, tokenVersion: account.tokenVersion });
    return { token, expiresIn: this.tokens.ttlSeconds, expiresAt: new Date(claims.exp * 1000).toISOString() };
  }

  @Get('events')
  @AcceptsStreamToken()
  @ApiDoc(streamDoc('Stream my events', "every recording of the caller's", 'Without `Last-Event-ID` it starts with the next event.', false))
  async tenant(@CurrentUser() user: Principal, @Query() query: unknown, @Headers('last-event-id') header: string | undefined, @Res() response: Response) {
    const after = resumePoint(query, header);
    await this.streams.open(response, user.userId, after ?? (await this.log.lastSeq(user.userId)));
  }

  @Get('recordings/:id/events')
  @AcceptsStreamToken()
  @ApiDoc(streamDoc('Stream a recording\'s events', 'one recording', 'Without `Last-Event-ID` it first replays the recording\'s events still kept, from its first.', true))
  async recording(
    @CurrentUser() user: Principal,
    @Param('id') id: string,
    @Query() query: unknown,
    @Headers('last-event-id') header: string | undefined,
    @Res() response: Response,
  ) {
    const after = resumePoint(query, header);
    if (!isUuid(id) || !(await this.recordings.findOwned(user.userId, id, 'any'))) throw recordingNotFound(id);
    await this.streams.open(response, user.userId, after ?? 0, id);
  }
}

/** The event to resume after: the `Last-Event-ID` header, else `last_event_id`; undefined for neither. */
function resumePoint(query: unknown, header: string | undefined): number | undefined {
  const { last_event_id } = parseInput(streamQuerySchema, query);
  const value = header?.trim() || last_event_id;
  if (value === undefined || value === '') return undefined;
  if (!SEQ.test(value)) throw validationError([{ field: header?.trim() ? 'Last-Event-ID' : 'last_event_id', message: 'must be the id of an event of the stream' }]);
  return Number(value);
}
