import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type ChangeRecordingConfig,
  type ConfigResolved,
  type CopyTemplate,
  type CreateTemplateFromRecording,
  type DeleteTemplates,
  type GetTemplate,
  type GetTemplateStats,
  type ListTemplates,
  type PreviewTemplateMatch,
  type RecordingConfigChanged,
  type RematchTemplate,
  type ResolveConfig,
  type SaveTemplate,
  type SetDefaultTemplate,
  type TemplateCopied,
  type TemplateCreatedFromRecording,
  type TemplateDefaultSet,
  type TemplateFound,
  type TemplateMatchPreview,
  type TemplateRematched,
  type TemplateSaved,
  type TemplatesDeleted,
  type TemplatesPage,
  type TemplateStats,
  type UserRegistered,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import { INGEST_USERS_QUEUE } from '../account-events';
import { TemplatesService } from './templates.service';

/** The template and config questions ingest answers for the gateway. */
export const TEMPLATE_QUERIES = [
  MESSAGE_TYPES.ingest.SaveTemplate,
  MESSAGE_TYPES.ingest.CopyTemplate,
  MESSAGE_TYPES.ingest.CreateTemplateFromRecording,
  MESSAGE_TYPES.ingest.GetTemplate,
  MESSAGE_TYPES.ingest.ListTemplates,
  MESSAGE_TYPES.ingest.SetDefaultTemplate,
  MESSAGE_TYPES.ingest.DeleteTemplates,
  MESSAGE_TYPES.ingest.GetTemplateStats,
  MESSAGE_TYPES.ingest.PreviewTemplateMatch,
  MESSAGE_TYPES.ingest.RematchTemplate,
  MESSAGE_TYPES.ingest.ResolveConfig,
  MESSAGE_TYPES.ingest.ChangeRecordingConfig,
];

/** Templates, matching and config layers over request/reply: each answer in one short transaction. */
@Injectable()
export class TemplatesConsumer {
  constructor(private readonly service: TemplatesService) {}

  @MessageHandler(MESSAGE_TYPES.gateway.UserRegistered, { queue: INGEST_USERS_QUEUE })
  async registered(ctx: MessageContext<UserRegistered>): Promise<void> {
    await this.service.ensureDefault(ctx.manager, ctx.data.userId);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.SaveTemplate, { queue: INGEST_COMMANDS_QUEUE })
  save(ctx: MessageContext<SaveTemplate>): Promise<TemplateSaved> {
    return this.service.save(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.CopyTemplate, { queue: INGEST_COMMANDS_QUEUE })
  copy(ctx: MessageContext<CopyTemplate>): Promise<TemplateCopied> {
    return this.service.copy(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.CreateTemplateFromRecording, { queue: INGEST_COMMANDS_QUEUE })
  fromRecording(ctx: MessageContext<CreateTemplateFromRecording>): Promise<TemplateCreatedFromRecording> {
    return this.service.fromRecording(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.GetTemplate, { queue: INGEST_COMMANDS_QUEUE })
  get(ctx: MessageContext<GetTemplate>): Promise<TemplateFound> {
    return this.service.get(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ListTemplates, { queue: INGEST_COMMANDS_QUEUE })
  list(ctx: MessageContext<ListTemplates>): Promise<TemplatesPage> {
    return this.service.list(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.SetDefaultTemplate, { queue: INGEST_COMMANDS_QUEUE })
  setDefault(ctx: MessageContext<SetDefaultTemplate>): Promise<TemplateDefaultSet> {
    return this.service.setDefault(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.DeleteTemplates, { queue: INGEST_COMMANDS_QUEUE })
  delete(ctx: MessageContext<DeleteTemplates>): Promise<TemplatesDeleted> {
    return this.service.delete(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.GetTemplateStats, { queue: INGEST_COMMANDS_QUEUE })
  stats(ctx: MessageContext<GetTemplateStats>): Promise<TemplateStats> {
    return this.service.stats(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.PreviewTemplateMatch, { queue: INGEST_COMMANDS_QUEUE })
  previewMatch(ctx: MessageContext<PreviewTemplateMatch>): Promise<TemplateMatchPreview> {
    return this.service.previewMatch(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RematchTemplate, { queue: INGEST_COMMANDS_QUEUE })
  rematch(ctx: MessageContext<RematchTemplate>): Promise<TemplateRematched> {
    return this.service.rematch(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ResolveConfig, { queue: INGEST_COMMANDS_QUEUE })
  resolve(ctx: MessageContext<ResolveConfig>): Promise<ConfigResolved> {
    return this.service.resolve(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { queue: INGEST_COMMANDS_QUEUE })
  changeRecordingConfig(ctx: MessageContext<ChangeRecordingConfig>): Promise<RecordingConfigChanged> {
    return this.service.changeRecordingConfig(ctx.manager, ctx.data);
  }
}
