import { z } from 'zod';
import type { ApiDocOptions } from '../../common/api-doc';
import { ID_PARAM } from '../recordings.api-doc';

const topic = z.object({
  start: z.number().describe('Seconds from the start of the recording.'),
  end: z.number().describe('Seconds from the start; where the next topic starts.'),
  title: z.string(),
});

/** One topic version as the API shows it. */
export const topicVersionSchema = z.object({
  version: z.number().int(),
  createdAt: z.string(),
  granularity: z.enum(['short', 'medium', 'long']),
  language: z.string(),
  method: z.enum(['llm', 'extractive']).optional().describe('Made by the chat model, or extracted from the transcript alone.'),
  summary: z.string(),
  mainTopics: z.array(z.string()),
  topics: z.array(topic),
  questions: z.array(z.string()),
  manuallyEdited: z.boolean(),
  editedAt: z.string().nullable(),
});

export const topicsSchema = z.object({
  activeVersion: z.number().int(),
  versions: z.array(topicVersionSchema),
  links: z.object({ self: z.string(), recording: z.string() }),
});

export const rerunTopicsBody = z
  .object({
    granularity: z.enum(['short', 'medium', 'long']).describe('How detailed: `short` (5–40 min per topic), `medium` (4–20), `long` (3–12, the most detailed).'),
    questionsCount: z.number().int().min(1).max(10).optional().describe('Self-check questions, 1 to 10 (default 3).'),
  })
  .strict();

export const editTopicsBody = z
  .object({
    summary: z.string().min(1).max(5000).optional(),
    mainTopics: z.array(z.string().min(1).max(200)).max(10).optional(),
    topics: z
      .array(
        z
          .object({
            start: z.number().min(0),
            end: z.number().min(0).optional().describe('Absent: where the next topic starts.'),
            title: z.string().min(1).max(300),
          })
          .strict(),
      )
      .min(1)
      .max(100)
      .optional()
      .describe('The whole list, in order of time; replaces the version’s.'),
    questions: z.array(z.string().min(1).max(1000)).max(10).optional(),
  })
  .strict();

export const getTopicsDoc: ApiDocOptions = {
  summary: 'Get the topic versions',
  description: 'Every topic version of the recording (each extraction adds one) and which one is active.',
  params: ID_PARAM,
  responses: { 200: { description: 'The versions.', schema: topicsSchema } },
  problems: { 404: ['RECORDING.NOT_FOUND', 'ARTIFACT.NOT_READY'] },
};

export const rerunTopicsDoc: ApiDocOptions = {
  summary: 'Extract topics again',
  description:
    'Extracts topics again from the existing transcript with another granularity (and question count); the transcript is not touched. ' +
    'The new version becomes the active one when it is ready (`GET /recordings/{id}/topics`). It is a re-run of the `EXTRACT_TOPICS` stage as a new attempt, ' +
    'under the guard of every re-run: 409 `INGEST.ALREADY_RUNNING` while any stage of the recording is in progress (a transcription above all, whose new ' +
    'transcript the extraction would miss), 409 `INGEST.NOT_RUNNABLE` when it has expired or its source has not arrived, 409 `TOPICS.NO_TRANSCRIPT` before there is a transcript.',
  params: ID_PARAM,
  body: rerunTopicsBody,
  responses: {
    202: {
      description: 'Accepted: the extraction runs.',
      schema: z.object({
        id: z.string().uuid(),
        granularity: z.string(),
        status: z.literal('accepted'),
        attempt: z.number().int().describe('The attempt of the EXTRACT_TOPICS stage now running (each extraction counts one up).'),
        links: z.object({ self: z.string(), topics: z.string() }),
      }),
    },
  },
  problems: {
    400: ['VALIDATION.FAILED'],
    403: ['FEATURE.DISABLED'],
    404: ['RECORDING.NOT_FOUND'],
    409: ['INGEST.ALREADY_RUNNING', 'INGEST.NOT_RUNNABLE', 'TOPICS.NO_TRANSCRIPT'],
    503: ['INGEST.UNAVAILABLE'],
  },
};

export const editTopicsDoc: ApiDocOptions = {
  summary: 'Edit the active topic version',
  description: 'Replaces the fields given in the active version and marks it manually edited. The answer is the edited version.',
  params: ID_PARAM,
  body: editTopicsBody,
  responses: { 200: { description: 'The edited version.', schema: topicVersionSchema } },
  problems: {
    400: ['VALIDATION.FAILED'],
    404: ['RECORDING.NOT_FOUND', 'TRANSCRIPTION.TOPICS_MISSING'],
    422: ['TRANSCRIPTION.TOPICS_EDIT_INVALID'],
    503: ['TRANSCRIPTION.UNAVAILABLE'],
  },
};
