import type { Registry } from '@bufbuild/protobuf';
import type { ContractCatalog, ContractDefinition, JsonSchema } from '../contract-types';
import { JsonSchemaBuilder } from '../json-schema';
import { CONTRACT_SERVICES } from '../services';
import { summaryOf } from './text';

const AMQP_BINDING_VERSION = '0.3.0';

function ref(pointer: string): JsonSchema {
  return { $ref: pointer };
}

/** JSON Pointer escaping for a reference to a component or channel id. */
function pointer(...parts: string[]): string {
  return `#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

const CLOUD_EVENTS_HEADERS: JsonSchema = {
  type: 'object',
  description: 'CloudEvents 1.0 attributes in AMQP binary mode: application properties prefixed "cloudEvents:". The message id is also the AMQP messageId.',
  properties: {
    'cloudEvents:specversion': { type: 'string', const: '1.0' },
    'cloudEvents:id': { type: 'string', format: 'uuid', description: 'UUIDv7 of the message.' },
    'cloudEvents:type': { type: 'string', description: 'The message type, also the routing key.' },
    'cloudEvents:source': { type: 'string', description: 'The producing service: /leap/<app>.' },
    'cloudEvents:time': { type: 'string', format: 'date-time' },
    'cloudEvents:subject': { type: 'string', description: 'The aggregate the message is about, e.g. the recording id.' },
    'cloudEvents:dataschema': { type: 'string', description: 'The proto message of the payload, e.g. leap.media.v1.RecordingTrimmed.' },
    'cloudEvents:correlationid': { type: 'string' },
    'cloudEvents:causationid': { type: 'string' },
    'cloudEvents:tenant': { type: 'string', description: 'The user the message belongs to.' },
    traceparent: { type: 'string', description: 'W3C trace context.' },
  },
  required: ['cloudEvents:specversion', 'cloudEvents:id', 'cloudEvents:type', 'cloudEvents:source', 'cloudEvents:time', 'cloudEvents:dataschema', 'cloudEvents:correlationid'],
};

export interface AsyncApiOptions {
  /** `info.version` of the document. */
  version: string;
}

function channelFor(def: ContractDefinition): JsonSchema {
  const channel: JsonSchema = {};
  if (def.role === 'reply') {
    channel.address = null;
    channel.title = `Reply ${def.name}`;
    channel.description = `Replies to ${def.requestType} go straight back to the asking service (the request's reply-to address).`;
  } else {
    channel.address = def.routingKey;
    channel.title = def.name;
    channel.description = `${def.role === 'event' ? 'Topic' : 'Direct'} exchange ${def.exchange}, routing key ${def.routingKey}.`;
  }
  channel.messages = { [def.name]: ref(pointer('components', 'messages', def.type)) };
  if (def.exchange) {
    channel.bindings = {
      amqp: {
        is: 'routingKey',
        exchange: { name: def.exchange, type: def.role === 'event' ? 'topic' : 'direct', durable: true, autoDelete: false, vhost: '/' },
        bindingVersion: AMQP_BINDING_VERSION,
      },
    };
  }
  return channel;
}

function operationFor(def: ContractDefinition, catalog: ContractCatalog): [string, JsonSchema] | undefined {
  if (def.role === 'reply') return undefined;
  const channel = ref(pointer('channels', def.type));
  const message = ref(pointer('channels', def.type, 'messages', def.name));
  const operation: JsonSchema = {
    action: def.role === 'event' ? 'send' : 'receive',
    channel,
    title: def.role === 'event' ? `${def.app} publishes ${def.name}` : `${def.app} handles ${def.name}`,
    summary: summaryOf(def.description),
    tags: [{ name: def.app }],
    messages: [message],
  };
  if (def.role !== 'query') operation.bindings = { amqp: { deliveryMode: 2, bindingVersion: AMQP_BINDING_VERSION } };
  if (def.role === 'query' && def.replyType) {
    const reply = catalog.getOrThrow(def.replyType);
    operation.reply = {
      address: { location: '$message.header#/replyTo', description: 'The reply-to address of the request.' },
      channel: ref(pointer('channels', reply.type)),
      messages: [ref(pointer('channels', reply.type, 'messages', reply.name))],
    };
  }
  const id = `${def.type}.${def.role === 'event' ? 'publish' : 'handle'}`;
  return [id, operation];
}

function messageFor(def: ContractDefinition): JsonSchema {
  const message: JsonSchema = {
    name: def.type,
    title: def.name,
    summary: summaryOf(def.description),
  };
  if (def.description && def.description !== message.summary) message.description = def.description;
  Object.assign(message, {
    contentType: 'application/json',
    traits: [ref(pointer('components', 'messageTraits', 'cloudEvents'))],
    payload: ref(pointer('components', 'schemas', def.schema)),
    tags: [{ name: def.app }, { name: def.role }],
    bindings: { amqp: { messageType: def.type, bindingVersion: AMQP_BINDING_VERSION } },
    'x-leap-kind': def.role,
    'x-leap-service': def.service,
  });
  return message;
}

/**
 * The AsyncAPI 3.0 document of the whole bus: a channel per message type (the routing key on
 * its service's exchange), what the owning service does with it (publishes events, handles
 * commands and queries, with the reply), and every payload as a JSON Schema from the proto.
 */
export function asyncApiDocument(registry: Registry, catalog: ContractCatalog, options: AsyncApiOptions): JsonSchema {
  const defs = catalog.all();
  const schemas = new JsonSchemaBuilder(pointer('components', 'schemas') + '/', registry);
  for (const def of defs) schemas.ref(registry.getMessage(def.schema)!);
  const sortedSchemas = Object.fromEntries([...schemas.definitions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  for (const def of defs) {
    channels[def.type] = channelFor(def);
    const operation = operationFor(def, catalog);
    if (operation) operations[operation[0]] = operation[1];
    messages[def.type] = messageFor(def);
  }
  const apps = CONTRACT_SERVICES.filter((s) => defs.some((d) => d.app === s.app));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'LEAP message bus',
      version: options.version,
      description: [
        'Every event, command and query the LEAP services exchange over RabbitMQ, generated from proto/.',
        '',
        'Each service owns a durable topic exchange <prefix>.events and a direct exchange <prefix>.commands;',
        'the routing key is the message type with its version. Payloads are the proto3 JSON mapping of the',
        'proto message named by the CloudEvents dataschema attribute.',
      ].join('\n'),
      tags: apps.map((s) => ({ name: s.app, description: `Messages of ${s.app} (prefix ${s.prefix}, exchanges ${s.prefix}.events and ${s.prefix}.commands).` })),
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'rabbitmq:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description: 'The broker of a distributed deployment. The embedded mode keeps the same topology on a PostgreSQL transport.',
      },
    },
    channels,
    operations,
    components: {
      schemas: sortedSchemas,
      messages,
      messageTraits: { cloudEvents: { headers: CLOUD_EVENTS_HEADERS } },
    },
  };
}
