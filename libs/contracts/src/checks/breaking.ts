import type * as protobuf from 'protobufjs';
import type { ProtoSet } from '../proto/loader';
import { allEnums, allTypes, contractOptions, fieldShape, fullNameOf, valueTypeName } from '../proto/reflect';

/** How a field holds its values. `optional` is a proto3 `optional` field. */
export type FieldLabel = 'singular' | 'optional' | 'repeated' | 'map';

export interface LockedField {
  /** Name as written in proto (the JSON name derives from it). */
  name: string;
  /** Scalar name or full name of the message or enum (map: the value type). */
  type: string;
  label: FieldLabel;
  /** Map key scalar. */
  key?: string;
  oneof?: string;
  required?: true;
}

export interface LockedMessage {
  messageType?: string;
  /** `event`, `command`, `query` or `reply`. */
  kind?: string;
  replyType?: string;
  /** By field number. */
  fields: Record<string, LockedField>;
}

export interface LockedEnum {
  values: Record<string, number>;
}

/**
 * The published shape of every message and enum: `proto/proto.lock.json`. Entries are only
 * ever added; what is in it may not change incompatibly.
 */
export interface ProtoLock {
  version: 1;
  messages: Record<string, LockedMessage>;
  enums: Record<string, LockedEnum>;
}

export interface BreakingChange {
  rule: BreakingRule;
  /** Full name of the message, field or enum concerned. */
  object: string;
  message: string;
}

export const BREAKING_RULES = {
  'message-removed': 'a locked message still exists under its full name',
  'message-type-changed': 'its (leap.message_type) does not change or disappear',
  'message-kind-changed': 'its (leap.kind) does not change',
  'reply-type-changed': 'a query keeps its (leap.reply_type)',
  'field-removed': 'a locked field stays, unless its number is reserved',
  'field-renamed': 'a field keeps its name (the JSON name is on the wire)',
  'field-type-changed': 'a field keeps its type',
  'field-label-changed': 'a field stays singular, optional, repeated or a map with the same key',
  'field-oneof-changed': 'a field stays in (or out of) the same oneof',
  'field-required-changed': 'a field keeps its (leap.required)',
  'required-field-added': 'a field added to a locked message is not (leap.required)',
  'enum-removed': 'a locked enum still exists',
  'enum-value-removed': 'a locked enum value stays (same name, same number) unless its number is reserved',
} as const;

export type BreakingRule = keyof typeof BREAKING_RULES;

export function emptyLock(): ProtoLock {
  return { version: 1, messages: {}, enums: {} };
}

function isLocked(obj: protobuf.ReflectionObject): boolean {
  return fullNameOf(obj).startsWith('leap.');
}

function lockField(field: protobuf.FieldBase): LockedField {
  const shape = fieldShape(field);
  const locked: LockedField = {
    name: field.name,
    type: valueTypeName(shape.value),
    label: shape.mapKey ? 'map' : shape.repeated ? 'repeated' : shape.optional ? 'optional' : 'singular',
  };
  if (shape.mapKey) locked.key = shape.mapKey;
  if (shape.oneof) locked.oneof = shape.oneof;
  if (shape.required) locked.required = true;
  return locked;
}

function lockMessage(type: protobuf.Type): LockedMessage {
  const options = contractOptions(type);
  const locked: LockedMessage = { fields: {} };
  if (options.messageType !== undefined) locked.messageType = options.messageType;
  if (options.kind !== undefined) locked.kind = options.kind;
  if (options.replyType !== undefined) locked.replyType = options.replyType;
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) locked.fields[String(field.id)] = lockField(field);
  return locked;
}

/** The current shape of every `leap.*` message and enum. */
export function snapshotOf(set: ProtoSet): ProtoLock {
  const lock = emptyLock();
  for (const type of allTypes(set.root).filter(isLocked)) lock.messages[fullNameOf(type)] = lockMessage(type);
  for (const en of allEnums(set.root).filter(isLocked)) lock.enums[fullNameOf(en)] = { values: { ...en.values } };
  return lock;
}

function reservedNumber(reserved: Array<number[] | string> | undefined, number: number): boolean {
  return (reserved ?? []).some((r) => Array.isArray(r) && number >= r[0] && number <= r[1]);
}

function describeLabel(field: LockedField): string {
  return field.label === 'map' ? `map<${field.key}, ...>` : field.label;
}

/**
 * Compares the current protos with the lock. Anything published may grow (new messages,
 * fields, enum values) but never change incompatibly; a breaking change belongs in a new
 * `v<N+1>` package beside the old one.
 */
export function checkBreakingChanges(lock: ProtoLock, set: ProtoSet): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const add = (rule: BreakingRule, object: string, message: string): void => {
    changes.push({ rule, object, message });
  };
  const types = new Map(allTypes(set.root).filter(isLocked).map((t) => [fullNameOf(t), t]));
  const enums = new Map(allEnums(set.root).filter(isLocked).map((e) => [fullNameOf(e), e]));

  for (const [name, locked] of Object.entries(lock.messages)) {
    const type = types.get(name);
    if (!type) {
      add('message-removed', name, `message ${name}${locked.messageType ? ` (${locked.messageType})` : ''} was removed or renamed`);
      continue;
    }
    const current = lockMessage(type);
    if (locked.messageType !== undefined && current.messageType !== locked.messageType) {
      add('message-type-changed', name, `message type changed from ${locked.messageType} to ${current.messageType ?? 'nothing'}`);
    }
    if (locked.kind !== undefined && current.kind !== locked.kind) add('message-kind-changed', name, `kind changed from ${locked.kind} to ${current.kind ?? 'nothing'}`);
    if (locked.replyType !== undefined && current.replyType !== locked.replyType) {
      add('reply-type-changed', name, `reply type changed from ${locked.replyType} to ${current.replyType ?? 'nothing'}`);
    }
    for (const [number, was] of Object.entries(locked.fields)) {
      const field = `${name}.${was.name}`;
      const now = current.fields[number];
      if (!now) {
        if (!reservedNumber(type.reserved, Number(number))) add('field-removed', field, `field ${was.name} = ${number} was removed without reserving ${number}`);
        continue;
      }
      if (now.name !== was.name) add('field-renamed', field, `field ${number} was renamed from ${was.name} to ${now.name}`);
      if (now.type !== was.type) add('field-type-changed', field, `field ${was.name} = ${number} changed type from ${was.type} to ${now.type}`);
      if (now.label !== was.label || now.key !== was.key) {
        add('field-label-changed', field, `field ${was.name} = ${number} changed from ${describeLabel(was)} to ${describeLabel(now)}`);
      }
      if (now.oneof !== was.oneof) {
        add('field-oneof-changed', field, `field ${was.name} = ${number} moved from ${was.oneof ? `oneof ${was.oneof}` : 'no oneof'} to ${now.oneof ? `oneof ${now.oneof}` : 'no oneof'}`);
      }
      if (Boolean(now.required) !== Boolean(was.required)) {
        add('field-required-changed', field, `field ${was.name} = ${number} ${now.required ? 'became' : 'is no longer'} (leap.required)`);
      }
    }
    for (const [number, now] of Object.entries(current.fields)) {
      if (!locked.fields[number] && now.required) {
        add('required-field-added', `${name}.${now.name}`, `new field ${now.name} = ${number} is (leap.required); producers of the published version do not send it`);
      }
    }
  }

  for (const [name, locked] of Object.entries(lock.enums)) {
    const en = enums.get(name);
    if (!en) {
      add('enum-removed', name, `enum ${name} was removed or renamed`);
      continue;
    }
    for (const [value, number] of Object.entries(locked.values)) {
      const now = en.values[value];
      if (now === number) continue;
      // Enum#isReservedId treats ranges as half-open, so reserved ranges are read here.
      if (now === undefined && reservedNumber(en.reserved, number)) continue;
      add(
        'enum-value-removed',
        `${name}.${value}`,
        now === undefined ? `enum value ${value} = ${number} was removed without reserving it` : `enum value ${value} was renumbered from ${number} to ${now}`,
      );
    }
  }
  return changes;
}

/**
 * The lock with everything new in `set` added: new messages and enums, new fields of locked
 * messages, new enum values, contract options on messages that had none. Nothing is removed
 * or changed.
 */
export function mergeLock(lock: ProtoLock, set: ProtoSet): ProtoLock {
  const merged: ProtoLock = JSON.parse(JSON.stringify(lock)) as ProtoLock;
  const current = snapshotOf(set);
  for (const [name, message] of Object.entries(current.messages)) {
    const locked = merged.messages[name];
    if (!locked) {
      merged.messages[name] = message;
      continue;
    }
    if (locked.messageType === undefined && message.messageType !== undefined) locked.messageType = message.messageType;
    if (locked.kind === undefined && message.kind !== undefined) locked.kind = message.kind;
    if (locked.replyType === undefined && message.replyType !== undefined) locked.replyType = message.replyType;
    for (const [number, field] of Object.entries(message.fields)) locked.fields[number] ??= field;
  }
  for (const [name, en] of Object.entries(current.enums)) {
    const locked = merged.enums[name];
    if (!locked) merged.enums[name] = en;
    else for (const [value, number] of Object.entries(en.values)) if (!(value in locked.values)) locked.values[value] = number;
  }
  return merged;
}

function sortKeys<T>(record: Record<string, T>, compare?: (a: string, b: string) => number): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort(compare).map((key) => [key, record[key]]));
}

/** The lock as committed: keys sorted (fields by number), two-space indented, newline at the end. */
export function serializeLock(lock: ProtoLock): string {
  const messages = sortKeys(lock.messages);
  for (const name of Object.keys(messages)) {
    messages[name] = { ...messages[name], fields: sortKeys(messages[name].fields, (a, b) => Number(a) - Number(b)) };
  }
  const enums = sortKeys(lock.enums);
  for (const name of Object.keys(enums)) {
    enums[name] = { values: Object.fromEntries(Object.entries(enums[name].values).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))) };
  }
  return `${JSON.stringify({ version: lock.version, messages, enums }, null, 2)}\n`;
}

export function parseLock(text: string): ProtoLock {
  const lock = JSON.parse(text) as ProtoLock;
  if (lock.version !== 1 || typeof lock.messages !== 'object' || typeof lock.enums !== 'object') throw new Error('not a version 1 proto lock');
  return lock;
}

export function formatBreakingChange(change: BreakingChange): string {
  return `${change.object}: ${change.message} [${change.rule}]`;
}
