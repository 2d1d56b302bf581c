/**
 * Transcription benchmark (`npm run bench:transcription`). See docs/performance.md for the figures.
 *
 *   Chunked     a generated 60-minute lecture (tones and silences, as the long-audio test makes
 *               it) through the real chunking (decode, silences, cuts), the real OpenAI-compatible
 *               client and the fake API on localhost, with 1, 4 and 8 chunks in parallel. Beside
 *               each: the fake's own service time (the floor: what the requests took at the fake,
 *               divided by the parallelism) and the preparation (decode, silences, cuts).
 *   Offline     pocketsphinx's real-time factor on spoken English (espeak-ng), one core.
 *
 * Environment (all optional): BENCH_LECTURE_MINUTES (default 60), BENCH_CHUNK_SECONDS (default
 * 300), BENCH_SERVICE_MS (the fake's time per request, default 1500), BENCH_OFFLINE_SECONDS
 * (length of the spoken clip, default 60).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '@leap/media-tools';
import { startFakeOpenAiTranscription, toneWordsRecogniser } from '@leap/testing';
import { intEnv, now } from '../bus/common';
import { FfmpegChunkAudio, type ChunkAudio } from '../../services/transcription/src/chunking/chunk-audio';
import { ChunkedTranscription } from '../../services/transcription/src/chunking/chunked-transcription';
import { OpenAiCompatibleProvider } from '../../services/transcription/src/providers/openai-compatible.provider';
import { FfmpegAudioConverter } from '../../services/transcription/src/recognition/audio-converter';
import { PocketsphinxProvider } from '../../services/transcription/src/recognition/pocketsphinx.provider';
import { SpawnProcessRunner } from '../../services/transcription/src/recognition/process-runner';

const config = {
  minutes: intEnv('BENCH_LECTURE_MINUTES', 60),
  chunkSeconds: intEnv('BENCH_CHUNK_SECONDS', 300),
  serviceMs: intEnv('BENCH_SERVICE_MS', 1500),
  offlineSeconds: intEnv('BENCH_OFFLINE_SECONDS', 60),
};

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function chunked(dir: string): Promise<void> {
  const lecture = join(dir, 'lecture.mp3');
  const seconds = config.minutes * 60;
  const started = now();
  await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.5*sin(2*PI*440*t)*lt(mod(t\\,11.7)\\,3):s=16000:d=${seconds}`, '-ac', '1', '-b:a', '64k', lecture]);
  console.log(`lecture: ${config.minutes} min generated in ${s(now() - started)}`);

  const recogniser = toneWordsRecogniser([], { filler: 'um' });
  let recognising = 0;
  const fake = await startFakeOpenAiTranscription({
    serviceTimeMs: config.serviceMs,
    recognise: async (audio) => {
      const t = now();
      try {
        return await recogniser(audio);
      } finally {
        recognising += now() - t;
      }
    },
  });
  try {
    console.log(`\nchunks of at most ${config.chunkSeconds} s; the fake takes max(${config.serviceMs} ms, its own decoding) per request`);
    console.log('parallel | chunks | wall     | decode + silences | cuts (summed over workers) | floor: fake service time / parallel | wall − floor');
    for (const parallel of [1, 4, 8]) {
      const audio = new FfmpegChunkAudio();
      let preparing = 0;
      let cutting = 0;
      const timed: ChunkAudio = {
        decode: async (...args) => { const t = now(); await audio.decode(...args); preparing += now() - t; },
        silences: async (...args) => { const t = now(); const r = await audio.silences(...args); preparing += now() - t; return r; },
        cut: async (...args) => { const t = now(); await audio.cut(...args); cutting += now() - t; },
      };
      const provider = new OpenAiCompatibleProvider({ baseUrl: fake.url, apiKey: fake.apiKey, model: 'whisper-1' });
      const results = { load: async () => [], save: async () => undefined };
      const work = await mkdtemp(join(dir, `run-${parallel}-`));
      const before = fake.received.length;
      recognising = 0;
      const t = now();
      const result = await new ChunkedTranscription([provider], timed, results, { concurrency: parallel, attemptsPerProvider: 1, backoffMs: 1, maxChunkSeconds: config.chunkSeconds }).transcribe({
        recordingId: 'bench', input: lecture, workDir: work, mediaIdentity: `bench-${parallel}`, keyterms: [],
      });
      const wall = now() - t;
      const requests = fake.received.length - before;
      // Each request took the longer of the fixed service time and the fake's decoding of the chunk.
      const service = Math.max(requests * config.serviceMs, recognising);
      const floor = service / parallel;
      // Decoding and silences come first, once; cuts run inside the parallel workers, beside the requests.
      console.log(
        `${String(parallel).padStart(8)} | ${String(result.parts.length).padStart(6)} | ${s(wall).padStart(8)} | ${s(preparing).padStart(17)} | ${s(cutting).padStart(26)} | ${s(floor).padStart(36)} | ${s(wall - floor).padStart(11)}`,
      );
      await rm(work, { recursive: true, force: true });
    }
  } finally {
    await fake.close();
  }
}

async function offline(dir: string): Promise<void> {
  const sentence = 'Good morning students. Today our lecture is about prime numbers and how we find them. A prime number has exactly two divisors, one and itself.';
  const once = join(dir, 'once.wav');
  execFileSync('espeak-ng', ['-v', 'en-us+f2', '-s', '130', '-w', once, sentence]);
  const clip = join(dir, 'speech.mp3');
  await runFfmpeg(['-v', 'error', '-y', '-stream_loop', '-1', '-i', once, '-t', String(config.offlineSeconds), '-ac', '1', '-ar', '16000', '-b:a', '64k', clip]);
  const provider = new PocketsphinxProvider(new SpawnProcessRunner(), new FfmpegAudioConverter(), {});
  const t = now();
  const result = await provider.transcribe(clip, { language: 'en' });
  const took = now() - t;
  console.log(`\noffline (pocketsphinx): ${result.durationSeconds.toFixed(1)} s of speech in ${s(took)}: real-time factor ${(took / 1000 / result.durationSeconds).toFixed(2)} (${result.words.length} words)`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'leap-bench-transcription-'));
  try {
    await chunked(dir);
    await offline(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
