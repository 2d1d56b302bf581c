import type * as protobuf from 'protobufjs';
import type { ProtoSet } from '../proto/loader';
import { allTypes, fullNameOf } from '../proto/reflect';

type Json = { [key: string]: unknown };

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value as Json)) {
    if (child === null || child === undefined) continue;
    if (key === 'comments' && Object.values(child as Json).every((c) => c === null)) continue;
    out[key] = prune(child);
  }
  return out;
}

/**
 * The protobufjs JSON descriptor the runtime catalogue loads: every `leap.*` message and enum
 * with its options and comments, plus the `google.protobuf` types they use. The declarations
 * of the custom options themselves (extensions of descriptor.proto) are left out: the runtime
 * reads option values, never their definitions. Parse the set with `keepCase: false`, so field
 * names are the proto3 JSON names.
 */
export function runtimeDescriptor(set: ProtoSet): Json {
  const json = set.root.toJSON({ keepComments: true }) as Json & { nested: Record<string, Json> };
  const usedGoogle = new Set<string>();
  const visit = (type: protobuf.Type): void => {
    for (const field of type.fieldsArray) {
      const target = field.resolvedType;
      if (!target) continue;
      const name = fullNameOf(target);
      if (name.startsWith('google.protobuf.') && !usedGoogle.has(name)) {
        usedGoogle.add(name);
        if ('fieldsArray' in target) visit(target as protobuf.Type);
      }
    }
  };
  for (const type of allTypes(set.root)) if (fullNameOf(type).startsWith('leap.')) visit(type);

  const nested: Record<string, Json> = {};
  const leap = json.nested.leap as { nested?: Record<string, Json> } | undefined;
  if (leap?.nested) {
    const kept: Record<string, Json> = {};
    for (const [name, child] of Object.entries(leap.nested)) if (!('extend' in child)) kept[name] = child;
    nested.leap = { nested: kept };
  }
  const google = (json.nested.google as { nested?: { protobuf?: { nested?: Record<string, Json> } } } | undefined)?.nested?.protobuf?.nested;
  if (google) {
    const kept: Record<string, Json> = {};
    for (const [name, child] of Object.entries(google)) if (usedGoogle.has(`google.protobuf.${name}`)) kept[name] = child;
    if (Object.keys(kept).length > 0) nested.google = { nested: { protobuf: { nested: kept } } };
  }
  return prune({ nested }) as Json;
}
