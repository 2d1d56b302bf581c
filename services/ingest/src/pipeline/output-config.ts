import { v5 as uuidv5 } from 'uuid';
import { Platform } from '@leap/contracts';
import type { OutputPresetRef, RecordingEntity } from '../recordings/recording.entity';

/**
 * Where a recording publishes: the reference's `output_config` (inventory 4.2). The recording's
 * own presets (`presetIds` of the upload, add-url and add-playlist requests, checked against the
 * owner's presets then) are the higher layer; a recording without any takes its effective
 * config's `outputConfig.presetIds` (a template's) when `autoUpload` is on, as the reference
 * uploads only then. The pipeline reads it only through here.
 */
export interface OutputConfig {
  /** The presets, in the order they were given, without repeats. */
  presetIds: string[];
  /** The recording's own presets, each with its platform. */
  presets: OutputPresetRef[];
  /** The effective config's presets (none when the recording has its own): checked against the owner's presets when the uploads are planned. */
  configPresetIds: string[];
}

export function outputConfig(recording: Pick<RecordingEntity, 'outputPresets'>, output: Record<string, unknown> = {}): OutputConfig {
  const seen = new Set<string>();
  const presets = (recording.outputPresets ?? []).filter((p) => !seen.has(p.presetId) && seen.add(p.presetId));
  const given = output.autoUpload === true && Array.isArray(output.presetIds) ? output.presetIds : [];
  const configPresetIds = presets.length > 0 ? [] : [...new Set(given.filter((id): id is string => typeof id === 'string' && id !== ''))];
  return { presetIds: presets.length > 0 ? presets.map((p) => p.presetId) : configPresetIds, presets, configPresetIds };
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
