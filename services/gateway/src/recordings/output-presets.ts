import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { MESSAGE_TYPES, type OutputPresetRef } from '@leap/contracts';
import { LeapError } from '@leap/messaging';
import { registerProblemTitles, validationError } from '../common/problem-details';
import { PublishingClient } from '../publishing/publishing.client';

registerProblemTitles({ 'RECORDING.PRESET_INVALID': 'Not a preset the recording can publish with' });

/** At most this many presets per recording. */
export const PRESET_IDS_MAX = 20;

/** `presetIds` of the upload, add-url and add-playlist requests. */
export const presetIdsSchema = z
  .array(z.string().uuid('must be a UUID'))
  .max(PRESET_IDS_MAX, `must name at most ${PRESET_IDS_MAX} presets`)
  .optional()
  .describe('Output presets to publish with: at the UPLOAD stage each becomes an output target of its own (beside the local export). Each must be one of your active presets.');

/** A multipart field's preset ids: comma-separated (the field may also be repeated). */
export function presetIdsFromField(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const parsed = presetIdsSchema.safeParse(ids);
  if (!parsed.success) {
    throw validationError(parsed.error.issues.map((issue) => ({ field: ['presetIds', ...issue.path].map((p, i) => (i === 0 ? p : `[${p}]`)).join(''), message: issue.message })));
  }
  return parsed.data;
}

/**
 * Checks a request's `presetIds` against the caller's presets (publishing answers): each must be
 * theirs, active and, off the local export, name a credential. Answers each with its platform, as
 * the recording keeps them. A refused id is 422 `RECORDING.PRESET_INVALID` naming it; nothing is
 * created then.
 */
@Injectable()
export class OutputPresetsCheck {
  constructor(private readonly publishing: PublishingClient) {}

  async resolve(userId: string, presetIds: readonly string[] | undefined): Promise<OutputPresetRef[]> {
    const unique = [...new Set(presetIds ?? [])];
    const errors: Array<{ field: string; message: string }> = [];
    const refs: OutputPresetRef[] = [];
    for (const presetId of unique) {
      const field = `presetIds[${(presetIds ?? []).indexOf(presetId)}]`;
      let preset;
      try {
        preset = (await this.publishing.ask(MESSAGE_TYPES.publishing.GetPreset, { userId, presetId })).preset;
      } catch (error) {
        if (error instanceof LeapError && error.code === 'PRESET.NOT_FOUND') {
          errors.push({ field, message: `there is no preset ${presetId}` });
          continue;
        }
        throw error;
      }
      if (!preset.isActive) errors.push({ field, message: `preset ${presetId} is not active` });
      else if (preset.platform !== 'local' && !preset.credentialId) errors.push({ field, message: `preset ${presetId} names no ${preset.platform} account` });
      else refs.push({ presetId, platform: preset.platform });
    }
    if (errors.length > 0) {
      throw new LeapError('RECORDING.PRESET_INVALID', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { status: 422, details: { errors } });
    }
    return refs;
  }
}
