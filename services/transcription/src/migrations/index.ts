import { TranscriptChunks1767571200000 } from './1767571200000-transcript-chunks.migration';
import { ProviderCredentials1767661200000 } from './1767661200000-provider-credentials.migration';
import { ChatCredentials1767930000000 } from './1767930000000-chat-credentials.migration';

/** The migrations of the transcription schema, in order (after the jobs table). */
export const transcriptionMigrations = [TranscriptChunks1767571200000, ProviderCredentials1767661200000, ChatCredentials1767930000000];
