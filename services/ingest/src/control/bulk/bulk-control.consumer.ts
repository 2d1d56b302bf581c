import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ControlRecordings, type RecordingsControlled } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../../recordings/recordings.consumer';
import { BulkControlService } from './bulk-control.service';

/** The bulk run and pause query (request/reply): the requester learns what happened to each recording. */
@Injectable()
export class BulkControlConsumer {
  constructor(private readonly bulk: BulkControlService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.ControlRecordings, { queue: INGEST_COMMANDS_QUEUE })
  control(ctx: MessageContext<ControlRecordings>): Promise<RecordingsControlled> {
    return this.bulk.decide(ctx, ctx.data);
  }
}
