import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AdminOnly, Idempotent } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import {
  listParkedQuerySchema,
  parkedDetailSchema,
  parkedGroupsSchema,
  parkedListSchema,
  purgeResultSchema,
  purgeSchema,
  queuesOverviewSchema,
  replayResultSchema,
  replaySchema,
} from './dead-letters.dto';
import { DeadLettersService } from './dead-letters.service';

const ADMIN_PROBLEMS = { 403: ['AUTH.ADMIN_REQUIRED', 'AUTH.INSUFFICIENT_SCOPE'] };
const SELECTION =
  'Name exactly one of: `ids` (parked message ids), `group` (a group id from `GET /api/v1/admin/parked/groups`), `queue` (everything parked for ' +
  'that queue, optionally only its `source`, `error` or `dlq`), or `all: true`.';

/** Operators' dead-letter operations: every service's queues, what is parked and why, replay and purge. */
@Controller('api/v1/admin')
@AdminOnly()
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get('queues')
  @ApiDoc({
    summary: 'List queues',
    description: 'Every consumer queue any service has declared on the broker, with the messages waiting in it, in its parking lot (`.error`) and in its dead-letter queue (`.dlq`).',
    tag: 'admin',
    responses: { 200: { description: 'The queues and their depths', schema: queuesOverviewSchema } },
    problems: ADMIN_PROBLEMS,
  })
  queues() {
    return this.deadLetters.queues();
  }

  @Get('parked')
  @ApiDoc({
    summary: 'List parked messages',
    description: 'The messages in every `.error` and `.dlq` (or those of one queue), oldest first per queue, each with its fault and group.',
    tag: 'admin',
    query: listParkedQuerySchema,
    responses: { 200: { description: 'The parked messages', schema: parkedListSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...ADMIN_PROBLEMS },
  })
  list(@Query() query: unknown) {
    return this.deadLetters.list(parseInput(listParkedQuerySchema, query).queue);
  }

  @Get('parked/groups')
  @ApiDoc({
    summary: 'List parked messages by fault',
    description:
      'Parked messages grouped by queue, message type and fault (the error code and the fault message with ids, numbers and quoted values taken out), ' +
      'with counts and first and last seen; the largest groups first.',
    tag: 'admin',
    query: listParkedQuerySchema,
    responses: { 200: { description: 'The groups', schema: parkedGroupsSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...ADMIN_PROBLEMS },
  })
  groups(@Query() query: unknown) {
    return this.deadLetters.groups(parseInput(listParkedQuerySchema, query).queue);
  }

  @Get('parked/:id')
  @ApiDoc({
    summary: 'Get a parked message',
    description: 'One parked message in full: headers, fault with its stack, and payload.',
    tag: 'admin',
    params: { id: 'The parked message id, `<parking queue>:<message id>`' },
    responses: { 200: { description: 'The message', schema: parkedDetailSchema } },
    problems: { ...ADMIN_PROBLEMS, 404: ['PARKED.NOT_FOUND'] },
  })
  show(@Param('id') id: string) {
    return this.deadLetters.show(id);
  }

  @Post('parked/replay')
  @HttpCode(200)
  @Idempotent()
  @ApiDoc({
    summary: 'Replay parked messages',
    description:
      `${SELECTION} Each message goes back to the queue it failed on (only that consumer sees it again), with its fault headers and retry count ` +
      'removed and `x-replay-count` / `x-replayed-at` set; it leaves the parking queue only once it is back. Recorded in the audit log (`parked.replayed`).',
    tag: 'admin',
    body: replaySchema,
    responses: { 200: { description: 'How many were replayed, per parking queue', schema: replayResultSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...ADMIN_PROBLEMS, 404: ['PARKED.NOT_FOUND'] },
  })
  replay(@CurrentUser() admin: Principal, @Body() body: unknown) {
    return this.deadLetters.replay(admin, parseInput(replaySchema, body));
  }

  @Post('parked/purge')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Purge parked messages',
    description:
      `${SELECTION} Two calls: the first (without \`confirm\`) purges nothing and answers 409 PARKED.CONFIRMATION_REQUIRED with \`count\` and a ` +
      '`confirm` token (five minutes, this administrator, this selection); the same request with `confirm` set drops the messages for good. ' +
      'Recorded in the audit log (`parked.purged`).',
    tag: 'admin',
    body: purgeSchema,
    responses: { 200: { description: 'How many were purged, per parking queue', schema: purgeResultSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...ADMIN_PROBLEMS, 404: ['PARKED.NOT_FOUND'], 409: ['PARKED.CONFIRMATION_REQUIRED', 'PARKED.CONFIRMATION_INVALID'] },
  })
  purge(@CurrentUser() admin: Principal, @Body() body: unknown) {
    const { selection, confirm } = parseInput(purgeSchema, body);
    return this.deadLetters.purge(admin, selection, confirm);
  }
}
