import { getExtension, hasExtension, type DescExtension, type DescField, type DescMessage, type FileRegistry, type Registry } from '@bufbuild/protobuf';

/** The contract options of `leap/options.proto`, read from any registry that holds that file. */
export interface LeapOptionReader {
  messageType(message: DescMessage): string | undefined;
  /** The `(leap.kind)` value name, e.g. `MESSAGE_KIND_EVENT`. */
  kind(message: DescMessage): string | undefined;
  replyType(message: DescMessage): string | undefined;
  required(field: DescField): boolean;
}

function extension(registry: Registry, name: string): DescExtension | undefined {
  return registry.getExtension(name);
}

/**
 * Option values are extensions of the descriptor options; `@bufbuild/protobuf` keeps them as
 * unknown fields of the options message until they are read with their extension descriptor.
 */
export function leapOptionReader(registry: Registry): LeapOptionReader {
  const messageType = extension(registry, 'leap.message_type');
  const kind = extension(registry, 'leap.kind');
  const replyType = extension(registry, 'leap.reply_type');
  const required = extension(registry, 'leap.required');
  const read = (ext: DescExtension | undefined, options: Parameters<typeof getExtension>[0] | undefined): unknown =>
    ext && options && hasExtension(options, ext) ? getExtension(options, ext) : undefined;
  return {
    messageType: (message) => read(messageType, message.proto.options) as string | undefined,
    kind: (message) => {
      const value = read(kind, message.proto.options) as number | undefined;
      if (value === undefined || !kind || kind.fieldKind !== 'enum') return undefined;
      return kind.enum.value[value]?.name ?? String(value);
    },
    replyType: (message) => read(replyType, message.proto.options) as string | undefined,
    required: (field) => read(required, field.proto.options) === true,
  };
}

/** Every message of a registry under `leap.`, nested ones included. */
export function leapMessages(registry: FileRegistry): DescMessage[] {
  const out: DescMessage[] = [];
  for (const type of registry) if (type.kind === 'message' && type.typeName.startsWith('leap.')) out.push(type);
  return out.sort((a, b) => (a.typeName < b.typeName ? -1 : a.typeName > b.typeName ? 1 : 0));
}
