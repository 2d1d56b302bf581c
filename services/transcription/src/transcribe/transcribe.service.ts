import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, type ObjectRef, type TranscribeRecording } from '@leap/contracts';
import { makeWorkDir } from '@leap/media-tools';
import { LeapError } from '@leap/messaging';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { TRANSCRIPTION_PROVIDER, type TranscriptionProvider } from '../recognition/transcription-provider';
import { buildMasterTranscript, type MasterTranscript } from '../transcript/master-transcript';

/**
 * Stage 3: downloads the media to the OS temp dir, runs the recogniser and stores
 * `transcription/master.json` (same key every time, so a redelivered command just rewrites it).
 */
@Injectable()
export class TranscribeService {
  constructor(
    private readonly objects: RecordingObjectsRepository,
    @Inject(TRANSCRIPTION_PROVIDER) private readonly provider: TranscriptionProvider,
  ) {}

  async transcribe(command: TranscribeRecording, signal?: AbortSignal): Promise<{ master: MasterTranscript; ref: ObjectRef }> {
    const keys = this.objects.keys(command.userId, command.recordingId);
    this.objects.assertOwned(command.media.key, command.userId, command.recordingId);
    const dir = await makeWorkDir('transcribe');
    try {
      const input = join(dir, `input${extname(command.media.key).toLowerCase() || '.bin'}`);
      await this.objects.download(command.media.key, input);
      const result = await this.provider.transcribe(input, { language: command.language, vocabulary: command.vocabulary, signal });
      if (result.words.length === 0) {
        throw new LeapError('TRANSCRIPTION.NO_SPEECH', `No speech was recognised in ${command.media.key}`, { retryable: false, status: 422 });
      }
      const master = buildMasterTranscript({
        language: result.language,
        provider: this.provider.name,
        model: this.provider.model,
        durationSeconds: result.durationSeconds,
        words: result.words,
      });
      const ref = await this.objects.write(keys.master, JSON.stringify(master, null, 2), 'application/json', ObjectKind.TRANSCRIPT);
      return { master, ref };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
