import { PipelineStage, type StageRerunSettings } from '@leap/contracts';
import { z } from 'zod';
import type { ApiDocOptions } from '../../common/api-doc';
import { ID_PARAM, pipelineActionSchema } from '../recordings.api-doc';

/** `POST /recordings/{id}/trim` (and `/bulk/trim`): the silence detection and padding, the reference's defaults where left out. */
export const trimParams = {
  silenceThreshold: z.number().min(-120).max(0).default(-40).describe('Noise level below which audio counts as silence, in dB (-120 to 0; default -40).'),
  minSilence: z.number().min(0.1).max(3600).default(2).describe('Shortest pause that counts as silence, in seconds (0.1 to 3600; default 2).'),
  paddingBefore: z.number().min(0).max(3600).default(5).describe('Sound kept before the first non-silent moment, in seconds (0 to 3600; default 5).'),
  paddingAfter: z.number().min(0).max(3600).default(5).describe('Sound kept after the last non-silent moment, in seconds (0 to 3600; default 5).'),
};

/** `POST /recordings/{id}/transcribe` (and `/bulk/transcribe`): the language, else the recording's config (or detection). */
export const transcribeParams = {
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language code, e.g. `ru` or `en-US`')
    .optional()
    .describe('BCP 47 language code, e.g. `ru`; left out, the recording\'s configured language (or detection).'),
};

export const SUBTITLE_FORMATS = ['srt', 'vtt'] as const;

/** `POST /recordings/{id}/subtitles` (and `/bulk/subtitles`). */
export const subtitlesParams = {
  formats: z
    .array(z.enum(SUBTITLE_FORMATS))
    .min(1)
    .refine((f) => new Set(f).size === f.length, 'each format once')
    .default([...SUBTITLE_FORMATS])
    .describe('`srt`, `vtt` or both (default both). Only the files named are written again; a format left out keeps its file as it was (written all the same when it does not exist yet).'),
};

export const trimBody = z.object(trimParams).strict();
export const transcribeBody = z.object(transcribeParams).strict();
export const subtitlesBody = z.object(subtitlesParams).strict();

/** What ingest is asked to re-run, and with which settings, from a parsed body of each route. */
export const RERUNS = {
  trim: {
    stage: PipelineStage.TRIM,
    settings: (b: z.output<typeof trimBody>): StageRerunSettings => ({
      thresholdDb: b.silenceThreshold,
      minSilenceSeconds: b.minSilence,
      paddingBeforeSeconds: b.paddingBefore,
      paddingAfterSeconds: b.paddingAfter,
    }),
  },
  transcribe: {
    stage: PipelineStage.TRANSCRIBE,
    settings: (b: z.output<typeof transcribeBody>): StageRerunSettings => (b.language ? { language: b.language } : {}),
  },
  topics: {
    stage: PipelineStage.EXTRACT_TOPICS,
    settings: (b: { granularity: 'short' | 'medium' | 'long'; questionsCount?: number }): StageRerunSettings => ({
      granularity: b.granularity,
      ...(b.questionsCount ? { questionsCount: b.questionsCount } : {}),
    }),
  },
  subtitles: {
    stage: PipelineStage.GENERATE_SUBTITLES,
    settings: (b: z.output<typeof subtitlesBody>): StageRerunSettings => ({ subtitleFormats: [...b.formats] }),
  },
} as const;
export type RerunName = keyof typeof RERUNS;

export const rerunActionSchema = pipelineActionSchema('The stage started, e.g. `TRIM` (and any stage not run yet that may start with it).').extend({
  stage: z.enum(['TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES']),
  attempt: z.number().int().describe('The attempt of the stage now running (1 for its first); each re-run counts one up.'),
});

const GUARD =
  'Refused with 409 `INGEST.ALREADY_RUNNING` while any stage of the recording is in progress, and 409 `INGEST.NOT_RUNNABLE` when it has expired or its source has not arrived. ' +
  'Whatever the stage reached (even `COMPLETED`) it runs again as a new attempt (a `FAILED` one lifts the failure). Stages after it that had finished keep their results: ' +
  're-run them too if they should follow the new one; stages that had not run yet follow it as the pipeline would, unless the recording is paused. ' +
  'The answer is the state ingest left; `GET /recordings/{id}` shows the stage and its attempt within moments.';

function rerunDoc(summary: string, what: string, body: z.ZodTypeAny, notReady: string, problems: ApiDocOptions['problems'] = {}): ApiDocOptions {
  return {
    summary,
    description: `${what} Needs ${notReady}, else 409 \`INGEST.STAGE_NOT_READY\`. ${GUARD}`,
    params: ID_PARAM,
    body,
    responses: { 202: { description: 'Accepted: the stage runs again.', schema: rerunActionSchema } },
    problems: {
      400: ['VALIDATION.FAILED'],
      403: ['FEATURE.DISABLED'],
      404: ['RECORDING.NOT_FOUND'],
      409: ['INGEST.ALREADY_RUNNING', 'INGEST.STAGE_NOT_READY', 'INGEST.NOT_RUNNABLE'],
      503: ['INGEST.UNAVAILABLE'],
      ...problems,
    },
  };
}

export const trimDoc = rerunDoc(
  'Trim a recording again',
  'Cuts the leading and trailing silence of the original again with these settings (over the recording\'s configured ones): a new processed video and audio replace the old.',
  trimBody,
  'the original in storage',
);

export const transcribeDoc = rerunDoc(
  'Transcribe a recording again',
  'Transcribes the processed audio (else the video, else the original) again: the new transcript replaces the old one. Topic versions already made stay; the next topics extraction makes a new version from the new transcript. ' +
    'Counts against the plan\'s monthly transcriptions, checked before anything starts: over the limit it is 429 `QUOTA.EXCEEDED` (with `Retry-After`, the start of the next month) and nothing runs.',
  transcribeBody,
  'media to transcribe, with the download and the trim finished',
  { 429: ['QUOTA.EXCEEDED'], 503: ['INGEST.UNAVAILABLE', 'QUOTA.UNAVAILABLE'] },
);

export const subtitlesDoc = rerunDoc(
  'Write the subtitles again',
  'Writes the subtitle files named in `formats` (default both SRT and VTT) again from the current transcript, replacing the old ones; a format left out keeps its file, byte for byte.',
  subtitlesBody,
  'a transcript',
);
