import { Injectable } from '@nestjs/common';
import { ObjectKind, type GenerateSubtitles, type ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/messaging';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { parseMasterTranscript } from '../transcript/master-transcript';
import { buildCues, DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_LINES, toSrt, toVtt } from './subtitles';

/** Stage 5: SRT and VTT from the master transcript's segments, at their fixed keys. */
@Injectable()
export class SubtitlesService {
  constructor(private readonly objects: RecordingObjectsRepository) {}

  async generate(command: GenerateSubtitles): Promise<{ srt: ObjectRef; vtt: ObjectRef; cues: number }> {
    const keys = this.objects.keys(command.userId, command.recordingId);
    this.objects.assertOwned(command.transcript.key, command.userId, command.recordingId);
    const master = parseMasterTranscript(await this.objects.read(command.transcript.key), command.transcript.key);
    const cues = buildCues(master.segments, {
      maxLineLength: clamp(command.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 10, 200),
      maxLines: clamp(command.maxLines, DEFAULT_MAX_LINES, 1, 4),
    });
    if (cues.length === 0) {
      throw new LeapError('TRANSCRIPTION.NO_SPEECH', `${command.transcript.key} has no speech to subtitle`, { retryable: false, status: 422 });
    }
    const srt = await this.objects.write(keys.srt, toSrt(cues), 'application/x-subrip', ObjectKind.SUBTITLES_SRT);
    const vtt = await this.objects.write(keys.vtt, toVtt(cues), 'text/vtt', ObjectKind.SUBTITLES_VTT);
    return { srt, vtt, cues: cues.length };
  }
}

/** Absent or zero means the default; anything else is kept within [min, max]. */
function clamp(value: number | undefined, fallback: number, min: number, max: number): number {
  if (!value) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
