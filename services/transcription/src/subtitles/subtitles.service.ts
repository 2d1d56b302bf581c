import { Inject, Injectable, Optional } from '@nestjs/common';
import { ObjectKind, SubtitleFormat, type GenerateSubtitles, type ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { storageKeys } from '@leap/storage-client';
import { TenantChatModels } from '../credentials/tenant-chat-models';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { parseMasterTranscript } from '../transcript/master-transcript';
import { buildCues, DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_LINES, toSrt, toVtt } from './subtitles';
import { SubtitleTranslator } from './translation';

/** The translator, when LLM_API_KEY is set. */
export const SUBTITLE_TRANSLATOR = Symbol('transcription:subtitle-translator');

export interface TranslatedRefs {
  language: string;
  srt: ObjectRef;
  vtt: ObjectRef;
}

/**
 * Stage 5: SRT and VTT from the master transcript's segments, at their fixed keys, and one SRT
 * and VTT per target language (`subtitles.<lang>.srt`) through the chat model. A command that names
 * its `formats` writes only those files; the other keeps its bytes, and the event carries it as it
 * is (written all the same when there is none yet, so a recording's subtitles never lack a format).
 */
@Injectable()
export class SubtitlesService {
  constructor(
    private readonly objects: RecordingObjectsRepository,
    @Optional() @Inject(SUBTITLE_TRANSLATOR) private readonly translator?: SubtitleTranslator | null,
    @Optional() private readonly chats?: TenantChatModels,
  ) {}

  /** The user's own chat model when they set one, else the server's (LLM_*), else none. */
  private async translatorFor(userId: string): Promise<SubtitleTranslator | null> {
    if (!this.chats) return this.translator ?? null;
    const chat = await this.chats.forUser(userId);
    return chat ? new SubtitleTranslator(chat) : null;
  }

  /** Writes one format's file, or (not asked for) keeps the one there and answers its reference. */
  private async writeFormat(key: string, body: () => string, format: SubtitleFormat, asked: boolean): Promise<ObjectRef> {
    const { contentType, kind } = FORMATS[format];
    const kept = asked ? undefined : await this.objects.existing(key, contentType, kind);
    return kept ?? this.objects.write(key, body(), contentType, kind);
  }

  async generate(
    command: GenerateSubtitles,
    signal?: AbortSignal,
  ): Promise<{ srt: ObjectRef; vtt: ObjectRef; cues: number; translations: TranslatedRefs[]; tokens?: { prompt: number; completion: number } }> {
    const keys = this.objects.keys(command.userId, command.recordingId);
    this.objects.assertOwned(command.transcript.key, command.userId, command.recordingId);
    const master = parseMasterTranscript(await this.objects.read(command.transcript.key), command.transcript.key);
    const options = {
      maxLineLength: clamp(command.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 10, 200),
      maxLines: clamp(command.maxLines, DEFAULT_MAX_LINES, 1, 4),
    };
    const cues = buildCues(master.segments, options);
    if (cues.length === 0) {
      throw new LeapError('TRANSCRIPTION.NO_SPEECH', `${command.transcript.key} has no speech to subtitle`, { retryable: false, status: 422 });
    }
    const asked = new Set(command.formats ?? []);
    const wanted = (format: SubtitleFormat) => asked.size === 0 || asked.has(format);
    const write = (key: string, cuesOf: () => string, format: SubtitleFormat) => this.writeFormat(key, cuesOf, format, wanted(format));
    const srt = await write(keys.srt, () => toSrt(cues), SubtitleFormat.SRT);
    const vtt = await write(keys.vtt, () => toVtt(cues), SubtitleFormat.VTT);

    const languages = [...new Set((command.translateTo ?? []).map((l) => l.trim()).filter((l) => l && l.split('-')[0] !== master.language.split('-')[0]))];
    if (languages.length === 0) return { srt, vtt, cues: cues.length, translations: [] };
    const translator = await this.translatorFor(command.userId);
    if (!translator) {
      throw new LeapError('TRANSCRIPTION.TRANSLATION_UNAVAILABLE', `Subtitles in ${languages.join(', ')} need a chat model: set LLM_API_KEY or a key of your own`, {
        retryable: false,
        status: 422,
      });
    }
    const translations: TranslatedRefs[] = [];
    const tokens = { prompt: 0, completion: 0 };
    for (const language of languages) {
      let tKeys: { srt: string; vtt: string };
      try {
        tKeys = {
          srt: storageKeys.translatedSubtitles(command.userId, command.recordingId, language, 'srt'),
          vtt: storageKeys.translatedSubtitles(command.userId, command.recordingId, language, 'vtt'),
        };
      } catch (error) {
        throw new LeapError('TRANSCRIPTION.INPUT_INVALID', (error as Error).message, { retryable: false, status: 422 });
      }
      const result = await translator.translate(cues, language, { ...options, signal });
      tokens.prompt += result.promptTokens;
      tokens.completion += result.completionTokens;
      translations.push({
        language,
        srt: await write(tKeys.srt, () => toSrt(result.cues), SubtitleFormat.SRT),
        vtt: await write(tKeys.vtt, () => toVtt(result.cues), SubtitleFormat.VTT),
      });
    }
    return { srt, vtt, cues: cues.length, translations, tokens };
  }
}

const FORMATS = {
  [SubtitleFormat.SRT]: { contentType: 'application/x-subrip', kind: ObjectKind.SUBTITLES_SRT },
  [SubtitleFormat.VTT]: { contentType: 'text/vtt', kind: ObjectKind.SUBTITLES_VTT },
} as Record<SubtitleFormat, { contentType: string; kind: ObjectKind }>;

/** Absent or zero means the default; anything else is kept within [min, max]. */
function clamp(value: number | undefined, fallback: number, min: number, max: number): number {
  if (!value) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
