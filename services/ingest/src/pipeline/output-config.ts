import { v5 as uuidv5 } from 'uuid';
import { Platform } from '@leap/contracts';
import type { OutputPresetRef, RecordingEntity } from '../recordings/recording.entity';

/**
 * Where a recording publishes: the reference's `output_config` (inventory 4.2). Today the preset
 * ids are stored on the recording when it is added (`presetIds` of the upload, add-url and
 * add-playlist requests, checked against the owner's presets then); a template's
 * `outputConfig.presetIds` will feed the same value. The pipeline reads it only through here.
 */
export interface OutputConfig {
  /** The presets, in the order they were given, without repeats. */
  presetIds: string[];
  /** Each preset with its platform. */
  presets: OutputPresetRef[];
}

export function outputConfig(recording: Pick<RecordingEntity, 'outputPresets'>): OutputConfig {
  const seen = new Set<string>();
  const presets = (recording.outputPresets ?? []).filter((p) => !seen.has(p.presetId) && seen.add(p.presetId));
  return { presetIds: presets.map((p) => p.presetId), presets };
}

/** The presets a request names, as the recording keeps them (repeats dropped). */
export function outputPresetsOf(given: ReadonlyArray<{ presetId: string; platform: string }> | undefined): OutputPresetRef[] {
  return outputConfig({ outputPresets: (given ?? []).map((p) => ({ presetId: p.presetId, platform: p.platform })) }).presets;
}

/** Preset platform names as the publishing contract's enum has them. */
export const PRESET_PLATFORMS: Record<string, Platform> = {
  youtube: Platform.YOUTUBE,
  vk_video: Platform.VK,
  yandex_disk: Platform.YANDEX_DISK,
  local: Platform.LOCAL,
};

/** Namespace of the preset targets' ids (a fixed UUID, so a recording's target for a preset is always the same id). */
const TARGET_NAMESPACE = '6f0c1c52-0b0e-4f7e-9d38-5a8f3b1e2c47';

/**
 * The output target id of a recording's preset: a UUID derived from both, so planning the
 * targets again (a retried message, a run after a failure) names the same target.
 */
export function presetTargetId(recordingId: string, presetId: string): string {
  return uuidv5(`${recordingId}/${presetId}`, TARGET_NAMESPACE);
}
