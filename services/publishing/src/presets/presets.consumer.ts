import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type CopyPreset,
  type CopyPresetResult,
  type CreatePreset,
  type CreatePresetResult,
  type DeletePresets,
  type DeletePresetsResult,
  type GetPreset,
  type ListPresets,
  type PresetFound,
  type PresetPreview,
  type PresetsPage,
  type RenderPresetPreview,
  type UpdatePreset,
  type UpdatePresetResult,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { PresetsService } from './presets.service';
import { REQUESTS_QUEUE } from '../requests';

export const PRESET_QUERIES = [
  MESSAGE_TYPES.publishing.ListPresets,
  MESSAGE_TYPES.publishing.GetPreset,
  MESSAGE_TYPES.publishing.CreatePreset,
  MESSAGE_TYPES.publishing.UpdatePreset,
  MESSAGE_TYPES.publishing.CopyPreset,
  MESSAGE_TYPES.publishing.DeletePresets,
  MESSAGE_TYPES.publishing.RenderPresetPreview,
];

/** The gateway's preset routes, answered over request/reply, each in one short transaction. */
@Injectable()
export class PresetsConsumer {
  constructor(private readonly presets: PresetsService) {}

  @MessageHandler(MESSAGE_TYPES.publishing.ListPresets, { queue: REQUESTS_QUEUE })
  list(ctx: MessageContext<ListPresets>): Promise<PresetsPage> {
    return this.presets.list(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.GetPreset, { queue: REQUESTS_QUEUE })
  async get(ctx: MessageContext<GetPreset>): Promise<PresetFound> {
    return { preset: await this.presets.get(ctx.manager, ctx.data) };
  }

  @MessageHandler(MESSAGE_TYPES.publishing.CreatePreset, { queue: REQUESTS_QUEUE })
  async create(ctx: MessageContext<CreatePreset>): Promise<CreatePresetResult> {
    return { preset: await this.presets.create(ctx.manager, ctx.data) };
  }

  @MessageHandler(MESSAGE_TYPES.publishing.UpdatePreset, { queue: REQUESTS_QUEUE })
  async update(ctx: MessageContext<UpdatePreset>): Promise<UpdatePresetResult> {
    return { preset: await this.presets.update(ctx.manager, ctx.data) };
  }

  @MessageHandler(MESSAGE_TYPES.publishing.CopyPreset, { queue: REQUESTS_QUEUE })
  async copy(ctx: MessageContext<CopyPreset>): Promise<CopyPresetResult> {
    return { preset: await this.presets.copy(ctx.manager, ctx.data) };
  }

  @MessageHandler(MESSAGE_TYPES.publishing.DeletePresets, { queue: REQUESTS_QUEUE })
  delete(ctx: MessageContext<DeletePresets>): Promise<DeletePresetsResult> {
    return this.presets.delete(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.RenderPresetPreview, { queue: REQUESTS_QUEUE })
  preview(ctx: MessageContext<RenderPresetPreview>): Promise<PresetPreview> {
    return this.presets.preview(ctx.manager, ctx.data);
  }
}
