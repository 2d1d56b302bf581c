/**
 * Payload types by message type, so that `publish(type, data)`, `send`, `request` and a
 * handler's context check a payload against its type at compile time.
 *
 * The library knows no contracts: both registries are empty here. The platform registers the
 * contracts' maps into them by declaration merging (libs/platform/src/typed-messages.ts), which
 * types every bus, handler context and job of the services. A program that registers nothing
 * gets the untyped maps (any type, any payload); the library's own tests, whose test catalogue no
 * contract describes, ask for them explicitly: `MessageBus<UntypedMessages>`.
 */
export interface MessageRegistry {}

/** The reply type of each query type, registered like `MessageRegistry`. */
export interface ReplyRegistry {}

/** Any message type with any payload. */
export type UntypedMessages = Record<string, any>;
/** Any query type with any reply type. */
export type UntypedReplies = Record<string, string>;

/** The registered payloads by message type, or the untyped map when none are registered. */
export type Messages = keyof MessageRegistry extends never ? UntypedMessages : MessageRegistry;
/** The registered reply types by query type, or the untyped map when none are registered. */
export type Replies = keyof ReplyRegistry extends never ? UntypedReplies : ReplyRegistry;

/** A message type of a map. */
export type MessageTypeOf<M> = keyof M & string;

/** The reply payload of query `Q` (unknown for a type that declares no reply). */
export type ReplyPayload<Q, M = Messages, R = Replies> = Q extends keyof R ? (R[Q] extends keyof M ? M[R[Q]] : unknown) : unknown;
