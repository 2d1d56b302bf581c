import { Inject, Injectable } from '@nestjs/common';
import { LeapError } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { ObjectNotFoundError, parseRecordingKey, type ObjectStore } from '@leap/storage-client';
import { validationError } from '../../common/problem-details';
import { recordingNotFound } from '../problems';
import { RecordingsRepository, translatedArtifact, type RecordingRow } from '../recordings.repository';
import { RecordingsService, type Download } from '../recordings.service';
import { timedLines } from './timed-lines';

/** The file types as the reference names them, and what each is. */
export const FILE_TYPES = {
  srt: { download: 'subtitles.srt' },
  vtt: { download: 'subtitles.vtt' },
  transcript_json: { download: 'transcript.json' },
  transcript_txt: { lines: 'segments' },
  transcript_words: { lines: 'words' },
} as const;
export type FileType = keyof typeof FILE_TYPES;

/**
 * Every transcript form of a recording under the reference's names. SRT, VTT and the JSON
 * transcript are the stored objects; `transcript_txt` and `transcript_words` are the reference's
 * text files, one `[HH:MM:SS.mmm - HH:MM:SS.mmm] text` line per segment or word, made from the
 * master transcript.
 */
@Injectable()
export class RecordingFiles {
  constructor(
    private readonly downloads: RecordingsService,
    private readonly recordings: RecordingsRepository,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
  ) {}

  /** The file of `userId`'s recording `id`; 404 when the recording is not theirs or the file is not ready. */
  async file(userId: string, id: string, type: FileType): Promise<Download> {
    const spec = FILE_TYPES[type];
    if ('download' in spec) return this.downloads.download(userId, id, spec.download);
    const row = await this.recordings.findOwned(userId, id);
    if (!row) throw recordingNotFound(id);
    return this.lines(row, spec.lines, type);
  }

  /**
   * The subtitles of `userId`'s recording `id` translated into `language` (`srt`, `vtt` only):
   * `transcription/subtitles.<lang>.<format>`, written by the subtitles stage for each of the
   * template's target languages, as the read model learnt them from its result event.
   */
  async translated(userId: string, id: string, type: FileType, language: string): Promise<Download> {
    if (type !== 'srt' && type !== 'vtt') {
      throw validationError([{ field: 'language', message: `for srt and vtt only, not ${type}` }]);
    }
    const row = await this.recordings.findOwned(userId, id);
    if (!row) throw recordingNotFound(id);
    const ref = row.artifacts[translatedArtifact(type, language)];
    const place = ref && parseRecordingKey(ref.key);
    const notReady = new LeapError('ARTIFACT.NOT_READY', `${type} of recording ${id} in ${language} is not ready`, { status: 404 });
    if (!ref || !place || place.userId !== userId || place.recordingId !== id) throw notReady;
    const key = ref.key;
    const info = await this.store.head(key);
    if (!info) throw notReady;
    try {
      const base = (row.title ?? id).replace(/[^\p{L}\p{N} ._-]+/gu, '_').slice(0, 100) || id;
      return { body: await this.store.get(key), contentType: type === 'srt' ? 'application/x-subrip; charset=utf-8' : 'text/vtt; charset=utf-8', filename: `${base}.${language}.${type}`, length: info.sizeBytes };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw notReady;
      throw error;
    }
  }

  private async lines(row: RecordingRow, what: 'segments' | 'words', type: FileType): Promise<Download> {
    const { id, userId } = row;
    const ref = row.artifacts.transcript;
    const place = ref && parseRecordingKey(ref.key);
    const notReady = new LeapError('ARTIFACT.NOT_READY', `${type} of recording ${id} is not ready yet`, { status: 404 });
    if (!ref || !place || place.userId !== userId || place.recordingId !== id) throw notReady;
    let master: unknown;
    try {
      master = JSON.parse((await this.store.getBuffer(ref.key)).toString('utf8'));
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw notReady;
      throw error;
    }
    const body = Buffer.from(timedLines(master, what), 'utf8');
    const base = (row.title ?? id).replace(/[^\p{L}\p{N} ._-]+/gu, '_').slice(0, 100) || id;
    return { body, contentType: 'text/plain; charset=utf-8', filename: `${base}${what === 'words' ? '.words' : ''}.txt`, length: body.length };
  }
}
