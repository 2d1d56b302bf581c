import type { MessagePayloads, QueryReplies, QueryType } from './generated/messages';

/** The payload of a message type: `PayloadOf<'media.recording.trimmed.v1'>` is `RecordingTrimmed`. */
export type PayloadOf<T extends keyof MessagePayloads> = MessagePayloads[T];

/** The reply payload of a query type. */
export type ReplyOf<Q extends QueryType> = MessagePayloads[QueryReplies[Q]];
