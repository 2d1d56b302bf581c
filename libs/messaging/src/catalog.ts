/**
 * What the messaging library needs to know about contracts. `@leap/contracts` implements it
 * from `proto/`; tests may build one from their own proto files.
 */
export type MessageKind = 'event' | 'command' | 'query';

export interface MessageDefinition {
  /** `media.recording.trimmed.v1` */
  type: string;
  kind: MessageKind;
  /** Owning service: events go to `<service>.events`, commands and queries to `<service>.commands`. */
  service: string;
  /** Fully qualified proto message name, used as the CloudEvents dataschema. */
  schema: string;
  /** For queries: the type of the reply. */
  replyType?: string;
  /** Problems found in a proto3-JSON payload; empty when it is valid. */
  validate(data: unknown): string[];
}

export interface MessageCatalog {
  get(type: string): MessageDefinition | undefined;
  all(): MessageDefinition[];
}

export function exchangeFor(def: Pick<MessageDefinition, 'kind' | 'service'>): string {
  return def.kind === 'event' ? `${def.service}.events` : `${def.service}.commands`;
}
