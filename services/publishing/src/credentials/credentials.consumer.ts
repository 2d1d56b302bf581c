import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type ConnectAccount,
  type ConnectAccountResult,
  type CreateCredential,
  type CreateCredentialResult,
  type CredentialDeleted,
  type CredentialFound,
  type CredentialUpdated,
  type CredentialsPage,
  type DeleteCredential,
  type GetCredential,
  type ListCredentials,
  type UpdateCredential,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { REQUESTS_QUEUE } from '../requests';
import { CredentialsService } from './credentials.service';

/** The credential questions publishing answers. */
export const CREDENTIAL_QUERIES = [
  MESSAGE_TYPES.publishing.CreateCredential,
  MESSAGE_TYPES.publishing.ListCredentials,
  MESSAGE_TYPES.publishing.GetCredential,
  MESSAGE_TYPES.publishing.UpdateCredential,
  MESSAGE_TYPES.publishing.DeleteCredential,
];

/** The gateway's credential routes for publishing's platforms, over request/reply. */
@Injectable()
export class CredentialsConsumer {
  constructor(private readonly credentials: CredentialsService) {}

  @MessageHandler(MESSAGE_TYPES.publishing.CreateCredential, { queue: REQUESTS_QUEUE })
  create(ctx: MessageContext<CreateCredential>): Promise<CreateCredentialResult> {
    return this.credentials.create(ctx.manager, ctx.data);
  }

  /** The gateway's OAuth callback: the code to exchange, sealed. */
  @MessageHandler(MESSAGE_TYPES.publishing.ConnectAccount, { queue: REQUESTS_QUEUE })
  connect(ctx: MessageContext<ConnectAccount>): Promise<ConnectAccountResult> {
    return this.credentials.connect(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.ListCredentials, { queue: REQUESTS_QUEUE })
  list(ctx: MessageContext<ListCredentials>): Promise<CredentialsPage> {
    return this.credentials.list(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.GetCredential, { queue: REQUESTS_QUEUE })
  get(ctx: MessageContext<GetCredential>): Promise<CredentialFound> {
    return this.credentials.get(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.UpdateCredential, { queue: REQUESTS_QUEUE })
  update(ctx: MessageContext<UpdateCredential>): Promise<CredentialUpdated> {
    return this.credentials.update(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.DeleteCredential, { queue: REQUESTS_QUEUE })
  delete(ctx: MessageContext<DeleteCredential>): Promise<CredentialDeleted> {
    return this.credentials.delete(ctx.manager, ctx.data);
  }
}
