import { CreateRecordings1767225600000 } from './1767225600000-create-recordings.migration';
import { RecordingPaused1767398400000 } from './1767398400000-recording-paused.migration';
import { RecordingLifecycle1767484800000 } from './1767484800000-recording-lifecycle.migration';
import { RecordingSources1767571200000 } from './1767571200000-recording-sources.migration';
import { SourceCredentials1767657600000 } from './1767657600000-source-credentials.migration';
import { InputSources1767744000000 } from './1767744000000-input-sources.migration';
import { ZoomWebhookAccounts1767810000000 } from './1767810000000-zoom-webhook-accounts.migration';
import { RecordingOutputPresets1767840000000 } from './1767840000000-recording-output-presets.migration';
import { Templates1767850000000 } from './1767850000000-templates.migration';
import { AutomationJobs1767890000000 } from './1767890000000-automation-jobs.migration';
import { RunLayers1767920000000 } from './1767920000000-run-layers.migration';
import { RecordingPreferences1767960000000 } from './1767960000000-recording-preferences.migration';
import { ProcessingHolds1767980000000 } from './1767980000000-processing-holds.migration';

/** The migrations of the ingest schema, in order. */
export const ingestMigrations = [CreateRecordings1767225600000, RecordingPaused1767398400000, RecordingLifecycle1767484800000, RecordingSources1767571200000, SourceCredentials1767657600000, InputSources1767744000000, ZoomWebhookAccounts1767810000000, RecordingOutputPresets1767840000000, Templates1767850000000, AutomationJobs1767890000000, RunLayers1767920000000, RecordingPreferences1767960000000, ProcessingHolds1767980000000];
