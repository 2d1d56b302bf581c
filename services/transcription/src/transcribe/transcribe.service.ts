import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ObjectKind, QualityPolicy, type ObjectRef, type TranscribeRecording } from '@leap/contracts';
import { makeWorkDir } from '@leap/media-tools';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import type { TranscriptionConfig } from '../config/config.schema';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { ChunkedTranscription } from '../chunking/chunked-transcription';
import { TenantProviders } from '../credentials/tenant-providers';
import { buildKeyterms } from '../providers/keyterms';
import { buildMasterTranscript, type MasterTranscript } from '../transcript/master-transcript';
import { assessQuality } from '../transcript/quality';

export const CHUNKED_TRANSCRIPTION = Symbol('transcription:chunked');

/** How long a signed media URL given to a provider stays valid. */
const MEDIA_URL_SECONDS = 6 * 3600;

/**
 * Stage 3: downloads the media to the OS temp dir, transcribes it through the configured providers
 * (in chunks when it is long, see `ChunkedTranscription`) and stores `transcription/master.json`
 * (same key every time, so a redelivered command just rewrites it).
 */
@Injectable()
export class TranscribeService {
  constructor(
    private readonly objects: RecordingObjectsRepository,
    @Inject(CHUNKED_TRANSCRIPTION) private readonly chunked: Pick<ChunkedTranscription, 'transcribe'>,
    @Optional() private readonly tenants?: TenantProviders,
    @Optional() @Inject(SERVICE_CONFIG) private readonly config?: Pick<TranscriptionConfig, 'ASSEMBLYAI_MEDIA_URL'>,
  ) {}

  async transcribe(
    command: TranscribeRecording,
    options: { signal?: AbortSignal; onProgress?: (percent: number, step: string) => void } = {},
  ): Promise<{ master: MasterTranscript; ref: ObjectRef }> {
    const { signal } = options;
    const report = options.onProgress ?? (() => undefined);
    const keys = this.objects.keys(command.userId, command.recordingId);
    this.objects.assertOwned(command.media.key, command.userId, command.recordingId);
    const dir = await makeWorkDir('transcribe');
    try {
      const input = join(dir, `input${extname(command.media.key).toLowerCase() || '.bin'}`);
      report(0, 'downloading the audio');
      await this.objects.download(command.media.key, input);
      signal?.throwIfAborted();
      // Recognition is nearly all of the work: 5 % to 95 %.
      const result = await this.chunked.transcribe({
        recordingId: command.recordingId,
        input,
        workDir: dir,
        mediaIdentity: `${command.media.key}:${command.media.checksumSha256 ?? command.media.sizeBytes}`,
        language: command.language || undefined,
        keyterms: buildKeyterms(command.vocabulary ?? []),
        // AssemblyAI may fetch the media itself by a signed URL (valid long enough for a queued transcript).
        mediaUrl: this.config?.ASSEMBLYAI_MEDIA_URL ? await this.objects.signedUrl(command.media.key, MEDIA_URL_SECONDS) : undefined,
        // The user's own provider keys before the server's; the template's order when it names providers.
        providers: this.tenants ? await this.tenants.forUser(command.userId, command.providers ?? []) : undefined,
        signal,
        onProgress: (fraction, step) => report(5 + 90 * fraction, step),
      });
      signal?.throwIfAborted();
      report(95, 'writing the transcript');
      if (result.words.length === 0) {
        throw new LeapError('TRANSCRIPTION.NO_SPEECH', `No speech was recognised in ${command.media.key}`, { retryable: false, status: 422 });
      }
      const providers = [...new Set(result.parts.map((p) => p.provider))];
      const models = [...new Set(result.parts.map((p) => p.model))];
      const master = buildMasterTranscript({
        language: result.language,
        provider: providers.join(','),
        model: models.join(','),
        durationSeconds: result.durationSeconds,
        words: result.words,
        segments: result.segments,
        parts: result.parts,
        usage: result.usage,
      });
      master.quality = assessQuality(master, result.silences);
      const ref = await this.objects.write(keys.master, JSON.stringify(master, null, 2), 'application/json', ObjectKind.TRANSCRIPT);
      // Stored either way, so the flags can be looked at; with the fail policy nothing is published from it.
      if (master.quality.suspect && command.qualityPolicy === QualityPolicy.FAIL) {
        throw new LeapError('TRANSCRIPTION.QUALITY_FAILED', `The transcript failed its quality checks: ${master.quality.flags.map((f) => `${f.code} (${f.message})`).join('; ')}`, {
          retryable: false,
          status: 422,
          details: { flags: master.quality.flags.map((f) => f.code) },
        });
      }
      return { master, ref };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
