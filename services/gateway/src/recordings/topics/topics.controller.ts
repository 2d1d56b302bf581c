import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Idempotent, RequireFlag } from '../../access/decorators';
import type { Principal } from '../../access/principal';
import { CurrentUser } from '../../auth/current-user.decorator';
import { ApiDoc } from '../../common/api-doc';
import { parseInput } from '../../common/validation';
import { editTopicsBody, editTopicsDoc, getTopicsDoc, rerunTopicsBody, rerunTopicsDoc } from './topics.api-doc';
import { RecordingTopicsService } from './topics.service';

/** `/api/v1/recordings/{id}/topics`: topic versions, a new extraction, a hand edit. */
@Controller('api/v1/recordings')
export class RecordingTopicsController {
  constructor(private readonly topics: RecordingTopicsService) {}

  @Get(':id/topics')
  @ApiDoc(getTopicsDoc)
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.topics.get(user.userId, id);
  }

  @Post(':id/topics')
  @HttpCode(202)
  @RequireFlag('process')
  @Idempotent()
  @ApiDoc(rerunTopicsDoc)
  rerun(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.topics.rerun(user.userId, id, parseInput(rerunTopicsBody, body));
  }

  @Patch(':id/topics')
  @ApiDoc(editTopicsDoc)
  edit(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.topics.edit(user.userId, id, parseInput(editTopicsBody, body));
  }
}
