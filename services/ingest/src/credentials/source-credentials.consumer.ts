import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type ConnectSourceAccount,
  type CreateSourceCredential,
  type DeleteSourceCredential,
  type GetSourceCredential,
  type ListSourceCredentials,
  type SourceAccountConnected,
  type SourceCredentialCreated,
  type SourceCredentialDeleted,
  type SourceCredentialFound,
  type SourceCredentialsPage,
  type SourceCredentialUpdated,
  type UpdateSourceCredential,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import { SourceCredentialsService } from './source-credentials.service';

/** The credential questions ingest answers (for the source platforms it keeps credentials of). */
export const SOURCE_CREDENTIAL_QUERIES = [
  MESSAGE_TYPES.ingest.CreateSourceCredential,
  MESSAGE_TYPES.ingest.ConnectSourceAccount,
  MESSAGE_TYPES.ingest.UpdateSourceCredential,
  MESSAGE_TYPES.ingest.GetSourceCredential,
  MESSAGE_TYPES.ingest.ListSourceCredentials,
  MESSAGE_TYPES.ingest.DeleteSourceCredential,
];

/** The gateway's credential routes for the source platforms, over request/reply. */
@Injectable()
export class SourceCredentialsConsumer {
  constructor(private readonly credentials: SourceCredentialsService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.CreateSourceCredential, { queue: INGEST_COMMANDS_QUEUE })
  create(ctx: MessageContext<CreateSourceCredential>): Promise<SourceCredentialCreated> {
    return this.credentials.create(ctx.manager, ctx.data);
  }

  /** The gateway's OAuth callback for Zoom and Yandex Disk (input): the code to exchange, sealed. */
  @MessageHandler(MESSAGE_TYPES.ingest.ConnectSourceAccount, { queue: INGEST_COMMANDS_QUEUE })
  connect(ctx: MessageContext<ConnectSourceAccount>): Promise<SourceAccountConnected> {
    return this.credentials.connect(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.UpdateSourceCredential, { queue: INGEST_COMMANDS_QUEUE })
  update(ctx: MessageContext<UpdateSourceCredential>): Promise<SourceCredentialUpdated> {
    return this.credentials.update(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.GetSourceCredential, { queue: INGEST_COMMANDS_QUEUE })
  get(ctx: MessageContext<GetSourceCredential>): Promise<SourceCredentialFound> {
    return this.credentials.get(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ListSourceCredentials, { queue: INGEST_COMMANDS_QUEUE })
  list(ctx: MessageContext<ListSourceCredentials>): Promise<SourceCredentialsPage> {
    return this.credentials.list(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.DeleteSourceCredential, { queue: INGEST_COMMANDS_QUEUE })
  delete(ctx: MessageContext<DeleteSourceCredential>): Promise<SourceCredentialDeleted> {
    return this.credentials.delete(ctx.manager, ctx.data);
  }
}
