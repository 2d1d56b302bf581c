import { z } from 'zod';
import type { ApiDocOptions } from '../../common/api-doc';
import { ID_PARAM, pipelineActionSchema } from '../recordings.api-doc';

export const resetBody = z
  .object({
    deleteFiles: z
      .boolean()
      .default(false)
      .describe('Also delete every file of the recording (everything under its storage prefix, the original included). An imported recording is fetched again by the next run; a direct upload has nothing left to run.'),
  })
  .strict();

export const resetActionSchema = pipelineActionSchema('Always empty for a reset: nothing starts until `POST /run`.').extend({
  cancelled: z.array(z.string()).describe('The stages that were in progress and were cancelled, e.g. `TRIM`; an upload as `UPLOAD:<target>`.'),
  filesDeleted: z.boolean().describe('Whether the recording\'s files are being deleted.'),
});

export const resetDoc: ApiDocOptions = {
  summary: 'Reset a recording',
  description:
    'Back to the initial state: work in progress is cancelled (as a pause cancels it), every stage goes back to `PENDING` (the output presets\' targets ' +
    'are planned again at the next upload), artifacts, publications and the failure are forgotten, the expiry starts again, and the recording waits ' +
    'paused until `POST /run`. The status becomes `DOWNLOADED` while the original is kept, `INITIALIZED` without it; `PENDING_SOURCE`, `SKIPPED` and ' +
    '`EXPIRED` stay. The template binding and the recording\'s config are kept. The answer is the state ingest left; `GET /recordings/{id}` shows it within moments.',
  params: ID_PARAM,
  body: resetBody,
  responses: { 200: { description: 'Reset.', schema: resetActionSchema } },
  problems: { 400: ['VALIDATION.FAILED'], 404: ['RECORDING.NOT_FOUND'], 503: ['INGEST.UNAVAILABLE'] },
};
