import * as path from 'node:path';
import type { DescMessage, FileRegistry, Registry } from '@bufbuild/protobuf';
import { bufBuild, registryOfImage } from './checks/buf';
import type { ContractCatalog, ContractDefinition, ContractField, JsonSchema } from './contract-types';
import { leapOptionReader } from './descriptors/leap-options';
import { commentOf, fieldsOf, packageOf, protoTypeOf } from './descriptors/shapes';
import { jsonSchemaOfType } from './json-schema';
import { appForPrefix, commandsExchange, eventsExchange } from './services';
import { createValidatorFactory } from './validation/validator';

const MESSAGE_TYPE = /^([a-z][a-z0-9-]*)\.(?:[a-z0-9-]+\.)*v([1-9][0-9]*)$/;
const KINDS: Record<string, ContractDefinition['role']> = {
  MESSAGE_KIND_EVENT: 'event',
  MESSAGE_KIND_COMMAND: 'command',
  MESSAGE_KIND_QUERY: 'query',
  MESSAGE_KIND_REPLY: 'reply',
};

function contractFields(type: DescMessage, registry: Registry): ContractField[] {
  return fieldsOf(type, registry).map((shape) => {
    const field: ContractField = {
      jsonName: shape.jsonName,
      number: shape.number,
      protoType: protoTypeOf(shape),
      repeated: shape.repeated,
      map: shape.mapKey !== undefined,
      required: shape.required,
      description: shape.comment,
    };
    if (shape.oneof) field.oneof = shape.oneof;
    return field;
  });
}

/** Every message of a registry, nested ones included, in the order of its files and declarations. */
function allMessages(registry: Registry): DescMessage[] {
  const out: DescMessage[] = [];
  for (const type of registry) if (type.kind === 'message') out.push(type);
  // Stable: declaration order within a file.
  return out.sort((a, b) => (a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : 0));
}

class ProtoCatalog implements ContractCatalog {
  private readonly byType = new Map<string, ContractDefinition>();
  private readonly typesByName = new Map<string, DescMessage>();
  private readonly schemas = new Map<string, JsonSchema>();

  constructor(
    readonly registry: Registry,
    messages: Iterable<DescMessage> = allMessages(registry),
  ) {
    const problems: string[] = [];
    const validatorFor = createValidatorFactory(registry);
    const read = leapOptionReader(registry);
    for (const type of messages) {
      const kindValue = read.kind(type);
      const options = { messageType: read.messageType(type), kindValue, kind: kindValue === undefined ? undefined : KINDS[kindValue], replyType: read.replyType(type) };
      if (options.messageType === undefined) continue;
      const name = type.typeName;
      const match = MESSAGE_TYPE.exec(options.messageType);
      if (!match) {
        problems.push(`${name}: message type "${options.messageType}" is not <service>.<name>.v<N>`);
        continue;
      }
      if (!options.kind) {
        problems.push(`${name}: (leap.kind) is ${options.kindValue ?? 'missing'}`);
        continue;
      }
      if (this.byType.has(options.messageType)) {
        problems.push(`${name}: message type ${options.messageType} is also declared by ${this.byType.get(options.messageType)!.schema}`);
        continue;
      }
      const role = options.kind;
      const prefix = match[1];
      const definition: ContractDefinition = {
        type: options.messageType,
        kind: role === 'reply' ? 'query' : role,
        role,
        service: prefix,
        app: appForPrefix(prefix) ?? prefix,
        schema: name,
        name: type.name,
        package: packageOf(type),
        version: Number(match[2]),
        routingKey: options.messageType,
        description: commentOf(type),
        fields: contractFields(type, registry),
        validate: validatorFor(type),
      };
      if (role === 'event') definition.exchange = eventsExchange(prefix);
      else if (role !== 'reply') definition.exchange = commandsExchange(prefix);
      if (role === 'query') {
        if (options.replyType) definition.replyType = options.replyType;
        else problems.push(`${name}: a query must name its reply with (leap.reply_type)`);
      }
      this.byType.set(definition.type, definition);
      this.typesByName.set(definition.type, type);
    }
    for (const def of this.byType.values()) {
      if (!def.replyType) continue;
      const reply = this.byType.get(def.replyType);
      if (!reply || reply.role !== 'reply') {
        problems.push(`${def.schema}: reply type ${def.replyType} is not a reply message`);
        continue;
      }
      reply.requestType = def.type;
    }
    if (problems.length > 0) throw new Error(`The contract catalogue is inconsistent:\n  - ${problems.join('\n  - ')}`);
  }

  get(type: string): ContractDefinition | undefined {
    return this.byType.get(type);
  }

  all(): ContractDefinition[] {
    return [...this.byType.values()];
  }

  getOrThrow(type: string): ContractDefinition {
    const def = this.byType.get(type);
    if (!def) throw new Error(`No contract defines the message type ${type}`);
    return def;
  }

  jsonSchemaFor(type: string): JsonSchema {
    let schema = this.schemas.get(type);
    if (!schema) {
      this.getOrThrow(type);
      schema = jsonSchemaOfType(this.typesByName.get(type)!, this.registry, type);
      this.schemas.set(type, schema);
    }
    return schema;
  }
}

/**
 * A catalogue of every message of `registry` that declares `(leap.message_type)` (or of
 * `messages`, when given, all from `registry`). Its validators share what they prepare for a
 * message type on first use. Throws when the contracts contradict each other (a duplicate type, a query without a reply,
 * a missing kind).
 */
export function buildCatalog(registry: Registry, messages?: Iterable<DescMessage>): ContractCatalog {
  return new ProtoCatalog(registry, messages);
}

/** The repository's `proto/` folder, when the sources are on disk. */
export const DEFAULT_PROTO_DIR = path.resolve(__dirname, '../../../proto');

/**
 * A catalogue of the buf module at `dir` (the folder holding buf.yaml), compiled by `buf build`
 * with its comments. For the generators and for tests with contracts of their own; the
 * platform's catalogue is built from the generated code and needs no buf.
 */
export function loadCatalogFromProtoDirectory(dir: string): ContractCatalog {
  return buildCatalog(compileProtoDirectory(dir));
}

/** `buf build` of the module at `dir`, with comments, as descriptors. */
export function compileProtoDirectory(dir: string): FileRegistry {
  return registryOfImage(bufBuild(dir, { sourceInfo: true }));
}
