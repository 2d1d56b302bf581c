import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import type { ContractCatalog, ContractDefinition, ContractField, JsonSchema } from './contract-types';
import { jsonSchemaOfType } from './json-schema';
import { parseProtoSources, readProtoSources, type ProtoSource } from './proto/loader';
import { allTypes, commentOf, contractOptions, fieldsOf, fullNameOf, protoTypeOf } from './proto/reflect';
import { appForPrefix, commandsExchange, eventsExchange } from './services';
import { createValidatorFactory } from './validation/validator';

const MESSAGE_TYPE = /^([a-z][a-z0-9-]*)\.(?:[a-z0-9-]+\.)*v([1-9][0-9]*)$/;

/** The package a type is declared in: its namespace, skipping enclosing messages. */
function packageOf(type: protobuf.Type): string {
  let parent = type.parent;
  while (parent instanceof protobuf.Type) parent = parent.parent;
  return parent ? fullNameOf(parent) : '';
}

function contractFields(type: protobuf.Type): ContractField[] {
  return fieldsOf(type).map((shape) => {
    const field: ContractField = {
      jsonName: shape.jsonName,
      number: shape.number,
      protoType: protoTypeOf(shape),
      repeated: shape.repeated && !shape.mapKey,
      map: shape.mapKey !== undefined,
      required: shape.required,
      description: shape.comment,
    };
    if (shape.oneof) field.oneof = shape.oneof;
    return field;
  });
}

class ProtoCatalog implements ContractCatalog {
  private readonly byType = new Map<string, ContractDefinition>();
  private readonly typesByName = new Map<string, protobuf.Type>();
  private readonly schemas = new Map<string, JsonSchema>();

  constructor(readonly root: protobuf.Root) {
    const problems: string[] = [];
    const validatorFor = createValidatorFactory();
    for (const type of allTypes(root)) {
      const options = contractOptions(type);
      if (options.messageType === undefined) continue;
      const name = fullNameOf(type);
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
        fields: contractFields(type),
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
      schema = jsonSchemaOfType(this.typesByName.get(type)!, type);
      this.schemas.set(type, schema);
    }
    return schema;
  }
}

/**
 * A catalogue of every message in `root` that declares `(leap.message_type)`. Validators are
 * compiled here, once per type. Throws when the contracts contradict each other (a duplicate
 * type, a query without a reply, a missing kind).
 */
export function buildCatalog(root: protobuf.Root): ContractCatalog {
  return new ProtoCatalog(root);
}

export interface LoadCatalogOptions {
  /** Folder the files' import paths are relative to (their `path` in imports). */
  protoRoot?: string;
  /** Folders searched for imports not among the files; the repository's `proto/` by default. */
  importPaths?: string[];
}

/** The repository's `proto/` folder, when the sources are on disk. */
export const DEFAULT_PROTO_DIR = path.resolve(__dirname, '../../../proto');

/**
 * A catalogue built from proto files (for tests that declare their own contracts). `files`
 * are paths on disk or inline sources; `import "leap/options.proto"` resolves to the
 * repository's options unless the files include their own.
 */
export function loadCatalogFromProtoFiles(files: Array<string | ProtoSource>, options: LoadCatalogOptions = {}): ContractCatalog {
  const sources = files.map((file): ProtoSource => {
    if (typeof file !== 'string') return file;
    const relative = options.protoRoot ? path.relative(options.protoRoot, file) : path.basename(file);
    return { path: relative.split(path.sep).join('/'), text: fs.readFileSync(file, 'utf8') };
  });
  const set = parseProtoSources(sources, { keepCase: false, importPaths: options.importPaths ?? [DEFAULT_PROTO_DIR] });
  return buildCatalog(set.root);
}

/** A catalogue of every proto file under a folder. */
export function loadCatalogFromProtoDirectory(dir: string): ContractCatalog {
  return buildCatalog(parseProtoSources(readProtoSources(dir), { keepCase: false, importPaths: [dir] }).root);
}
