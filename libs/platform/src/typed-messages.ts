import type { MessagePayloads, QueryReplies } from '@leap/contracts';

// Binds the messaging library to the platform's contracts: every `MessageBus`, `MessageContext`
// and job context of the services checks a payload against its message type (see
// libs/messaging/src/message-map.ts).
declare module '@leap/messaging' {
  interface MessageRegistry extends MessagePayloads {}
  interface ReplyRegistry extends QueryReplies {}
}
