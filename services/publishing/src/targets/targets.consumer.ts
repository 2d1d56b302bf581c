import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ListOutputTargets, type OutputTargetsPage, type RetractTarget, type RetractTargetResult, type StartUpload, type StartUploadResult } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { REQUESTS_QUEUE } from '../requests';
import { TargetsService } from './targets.service';

export const TARGET_QUERIES = [MESSAGE_TYPES.publishing.StartUpload, MESSAGE_TYPES.publishing.ListOutputTargets, MESSAGE_TYPES.publishing.RetractTarget];

/** The gateway's upload and target routes, over request/reply. */
@Injectable()
export class TargetsConsumer {
  constructor(private readonly targets: TargetsService) {}

  @MessageHandler(MESSAGE_TYPES.publishing.StartUpload, { queue: REQUESTS_QUEUE })
  async start(ctx: MessageContext<StartUpload>): Promise<StartUploadResult> {
    return { target: await this.targets.start(ctx) };
  }

  @MessageHandler(MESSAGE_TYPES.publishing.ListOutputTargets, { queue: REQUESTS_QUEUE })
  async list(ctx: MessageContext<ListOutputTargets>): Promise<OutputTargetsPage> {
    return { targets: await this.targets.list(ctx.manager, ctx.data) };
  }

  @MessageHandler(MESSAGE_TYPES.publishing.RetractTarget, { queue: REQUESTS_QUEUE })
  async retract(ctx: MessageContext<RetractTarget>): Promise<RetractTargetResult> {
    return { target: await this.targets.retract(ctx) };
  }
}
