import * as protobuf from 'protobufjs';
import type { ProtoFile, ProtoSet } from '../proto/loader';
import { allEnums, allTypes, commentOf, contractOptions, fullNameOf, isWellKnown, OPTION, PROTO_KIND } from '../proto/reflect';
import { CONTRACT_SERVICES, COMMON_PACKAGE_SEGMENT, packageSegment, parseContractPackage } from '../services';

export interface LintProblem {
  /** Rule id, e.g. `field-name`. */
  rule: string;
  /** Proto file, relative to the proto root. */
  file: string;
  /** The message, field or enum concerned (full name), when there is one. */
  object?: string;
  message: string;
}

export interface LintOptions {
  /** Event names accepted although they do not end in "ed". Defaults to {@link PAST_TENSE_ALLOWLIST}. */
  pastTenseAllowlist?: readonly string[];
}

/** Every rule the lint applies, with what it demands. */
export const LINT_RULES = {
  'syntax-proto3': 'every file declares syntax = "proto3"',
  'package-directory': 'a file under leap/<service>/v<N>/ declares package leap.<service>.v<N>; leap/options.proto declares package leap',
  'package-service': 'the service segment of a package is a known service prefix or common',
  'message-name': 'message names are PascalCase',
  'field-name': 'field names are lower_snake_case, each part starting with a letter',
  'field-json-name': 'fields do not override their JSON name',
  'enum-name': 'enum names are PascalCase',
  'enum-value-name': 'enum values are UPPER_SNAKE_CASE and start with the enum name in UPPER_SNAKE_CASE',
  'enum-zero-value': 'the first value of an enum is <ENUM>_UNSPECIFIED = 0',
  'contract-options': 'top-level messages of events, commands and queries files declare (leap.message_type) and a (leap.kind) matching the file; no other message does',
  'message-type-format': 'a message type is <service-prefix>.<dotted.name>.v<N>, with the prefix and version of its package',
  'message-type-unique': 'no two messages declare the same message type',
  'contract-documented': 'every contract message has a comment saying what it means',
  'event-past-tense': 'events are named in the past tense (the last word ends in "ed", is an irregular participle, or the name is allowlisted)',
  'command-verb': 'commands and queries are named as verbs, not in the past tense',
  'query-reply': 'a query names a reply message of its package with (leap.reply_type); only queries do; every reply answers one query',
  'unknown-option': 'only the options declared in leap/options.proto are used, with values of the right type',
  'required-in-oneof': '(leap.required) is not put on a oneof member or a proto3 optional field',
  'reserved-field': 'no field uses a reserved number or name',
  'imports': 'types come from the same file or an imported one; a service package uses only its own package, leap.common and google.protobuf; every import is used',
} as const;

export type LintRule = keyof typeof LINT_RULES;

/** Event names that are past-tense facts although their last word does not end in "ed". */
export const PAST_TENSE_ALLOWLIST: readonly string[] = ['MediaProgress'];

const IRREGULAR_PARTICIPLES = new Set([
  'Begun',
  'Built',
  'Chosen',
  'Cut',
  'Done',
  'Drawn',
  'Found',
  'Given',
  'Held',
  'Hidden',
  'Kept',
  'Left',
  'Lost',
  'Made',
  'Met',
  'Paid',
  'Read',
  'Rebuilt',
  'Reset',
  'Run',
  'Rerun',
  'Sent',
  'Set',
  'Shown',
  'Split',
  'Taken',
  'Thrown',
  'Undone',
  'Won',
  'Written',
  'Rewritten',
]);

const PASCAL = /^[A-Z][a-zA-Z0-9]*$/;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$/;
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const TYPE_SEGMENT = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const CONTRACT_FILES: Record<string, readonly string[]> = {
  'events.proto': ['event'],
  'commands.proto': ['command'],
  'queries.proto': ['query', 'reply'],
};
const OPTIONS_FILE = 'leap/options.proto';
const MESSAGE_OPTIONS = new Set<string>([OPTION.messageType, OPTION.kind, OPTION.replyType]);
const FIELD_OPTIONS = new Set<string>([OPTION.required]);
const WELL_KNOWN_FILES: Record<string, string> = {
  Any: 'google/protobuf/any.proto',
  Duration: 'google/protobuf/duration.proto',
  Empty: 'google/protobuf/empty.proto',
  FieldMask: 'google/protobuf/field_mask.proto',
  Struct: 'google/protobuf/struct.proto',
  Value: 'google/protobuf/struct.proto',
  ListValue: 'google/protobuf/struct.proto',
  NullValue: 'google/protobuf/struct.proto',
  Timestamp: 'google/protobuf/timestamp.proto',
};

/** `RecordingStatus` → `RECORDING_STATUS`. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

function words(name: string): string[] {
  return name.split(/(?=[A-Z])/);
}

function isPastTense(name: string, allowlist: readonly string[]): boolean {
  if (allowlist.includes(name)) return true;
  const last = words(name).at(-1) ?? name;
  return last.endsWith('ed') || IRREGULAR_PARTICIPLES.has(last);
}

function fileOf(obj: protobuf.ReflectionObject): string | undefined {
  return (obj as protobuf.ReflectionObject & { filename?: string | null }).filename ?? undefined;
}

/** Where a type is declared: its proto file, or the bundled file of a well-known type. */
function declaringFile(obj: protobuf.ReflectionObject): string | undefined {
  if (isWellKnown(obj)) return WELL_KNOWN_FILES[obj.name] ?? 'google/protobuf/wrappers.proto';
  return fileOf(obj);
}

function packageOf(obj: protobuf.ReflectionObject): string {
  let parent = obj.parent;
  while (parent instanceof protobuf.Type) parent = parent.parent;
  return parent ? fullNameOf(parent) : '';
}

function reservedNumber(reserved: Array<number[] | string> | undefined, number: number): boolean {
  return (reserved ?? []).some((r) => Array.isArray(r) && number >= r[0] && number <= r[1]);
}

/**
 * Lints parsed proto files (parse them with `keepCase: true`, so field names are as written).
 * Returns every problem found; an empty list means the files follow the LEAP conventions.
 */
export function lintProtos(set: ProtoSet, options: LintOptions = {}): LintProblem[] {
  const allowlist = options.pastTenseAllowlist ?? PAST_TENSE_ALLOWLIST;
  const problems: LintProblem[] = [];
  const report = (rule: LintRule, file: string, object: string | undefined, message: string): void => {
    problems.push(object ? { rule, file, object, message } : { rule, file, message });
  };
  const fileByPath = new Map(set.files.map((f) => [f.path, f]));
  const ownFile = (obj: protobuf.ReflectionObject): ProtoFile | undefined => {
    const file = fileOf(obj);
    return file ? fileByPath.get(file) : undefined;
  };
  const knownSegments = new Set<string>([COMMON_PACKAGE_SEGMENT, ...CONTRACT_SERVICES.map((s) => packageSegment(s.prefix))]);

  // Files and packages.
  for (const file of set.files) {
    if (file.syntax !== 'proto3') report('syntax-proto3', file.path, undefined, `declares ${file.syntax ? `syntax "${file.syntax}"` : 'no syntax'}; use syntax = "proto3"`);
    if (file.path === OPTIONS_FILE) {
      if (file.package !== 'leap') report('package-directory', file.path, undefined, `declares package "${file.package}"; it must be "leap"`);
      continue;
    }
    const location = /^leap\/([^/]+)\/v([1-9][0-9]*)\/[^/]+\.proto$/.exec(file.path);
    if (!location) {
      report('package-directory', file.path, undefined, 'is not in leap/<service>/v<N>/');
      continue;
    }
    const expected = `leap.${location[1]}.v${location[2]}`;
    if (file.package !== expected) report('package-directory', file.path, undefined, `declares package "${file.package}"; its folder says ${expected}`);
    if (!knownSegments.has(location[1])) {
      report('package-service', file.path, undefined, `"${location[1]}" is not a service prefix (${[...knownSegments].join(', ')})`);
    }
  }

  const leapTypes = allTypes(set.root).filter((t) => ownFile(t) !== undefined);
  const leapEnums = allEnums(set.root).filter((e) => ownFile(e) !== undefined);
  const contracts: Array<{ type: protobuf.Type; file: ProtoFile; kind?: string; messageType?: string; replyType?: string }> = [];

  // Names.
  for (const type of leapTypes) {
    const file = ownFile(type)!;
    const name = fullNameOf(type);
    if (!PASCAL.test(type.name)) report('message-name', file.path, name, `message name "${type.name}" is not PascalCase`);
    for (const field of type.fieldsArray) {
      const fieldName = `${name}.${field.name}`;
      if (!SNAKE.test(field.name)) report('field-name', file.path, fieldName, `field name "${field.name}" is not lower_snake_case`);
      for (const key of Object.keys(field.options ?? {})) {
        if (key === 'json_name') report('field-json-name', file.path, fieldName, 'overrides its JSON name; rename the field instead');
        else if (key.startsWith('(') && !FIELD_OPTIONS.has(key)) report('unknown-option', file.path, fieldName, `unknown field option ${key}`);
      }
      const required = field.options?.[OPTION.required];
      if (required !== undefined && typeof required !== 'boolean') {
        report('unknown-option', file.path, fieldName, `${OPTION.required} must be true or false, not ${JSON.stringify(required)}`);
      }
      if (required === true && field.partOf) {
        const what = field.options?.proto3_optional === true ? 'an optional field' : `a member of oneof ${field.partOf.name}`;
        report('required-in-oneof', file.path, fieldName, `is ${what} and cannot be (leap.required)`);
      }
    }
    for (const key of Object.keys(type.options ?? {})) {
      if (key.startsWith('(') && !MESSAGE_OPTIONS.has(key)) report('unknown-option', file.path, name, `unknown message option ${key}`);
    }
  }
  for (const en of leapEnums) {
    const file = ownFile(en)!;
    const name = fullNameOf(en);
    if (!PASCAL.test(en.name)) report('enum-name', file.path, name, `enum name "${en.name}" is not PascalCase`);
    const prefix = `${upperSnake(en.name)}_`;
    const entries = Object.entries(en.values);
    for (const [value] of entries) {
      if (!UPPER_SNAKE.test(value)) report('enum-value-name', file.path, `${name}.${value}`, `enum value "${value}" is not UPPER_SNAKE_CASE`);
      else if (!value.startsWith(prefix)) report('enum-value-name', file.path, `${name}.${value}`, `enum value "${value}" does not start with ${prefix}`);
    }
    const first = entries[0];
    if (!first || first[1] !== 0 || first[0] !== `${prefix}UNSPECIFIED`) {
      report('enum-zero-value', file.path, name, `the first value must be ${prefix}UNSPECIFIED = 0`);
    }
  }

  // Contract options.
  const kindValues = new Set(Object.keys(PROTO_KIND));
  for (const type of leapTypes) {
    const file = ownFile(type)!;
    const name = fullNameOf(type);
    const opts = contractOptions(type);
    const topLevel = !(type.parent instanceof protobuf.Type);
    const base = file.path.split('/').at(-1)!;
    const allowedKinds = CONTRACT_FILES[base];
    if (opts.kindValue !== undefined && !kindValues.has(opts.kindValue)) {
      report('unknown-option', file.path, name, `(leap.kind) = ${opts.kindValue} is not a leap.MessageKind value`);
    }
    if (!topLevel || !allowedKinds) {
      if (opts.messageType !== undefined || opts.kindValue !== undefined) {
        report('contract-options', file.path, name, topLevel ? `only messages in ${Object.keys(CONTRACT_FILES).join(', ')} are contracts` : 'a nested message cannot be a contract');
      }
      if (opts.replyType !== undefined && (!topLevel || !allowedKinds)) report('query-reply', file.path, name, '(leap.reply_type) on a message that is not a query');
      continue;
    }
    if (opts.messageType === undefined) report('contract-options', file.path, name, 'declares no (leap.message_type)');
    if (opts.kindValue === undefined) report('contract-options', file.path, name, 'declares no (leap.kind)');
    else if (opts.kind && !allowedKinds.includes(opts.kind)) {
      report('contract-options', file.path, name, `is a ${opts.kind}, but ${base} holds ${allowedKinds.join(' and ')} messages`);
    }
    contracts.push({ type, file, kind: opts.kind, messageType: opts.messageType, replyType: opts.replyType });
  }

  // Message types, naming by kind, queries and replies.
  const byMessageType = new Map<string, string>();
  const replies = new Map<string, { name: string; file: string; pkg: string; answered: number }>();
  for (const c of contracts) {
    if (c.kind === 'reply' && c.messageType) replies.set(c.messageType, { name: fullNameOf(c.type), file: c.file.path, pkg: packageOf(c.type), answered: 0 });
  }
  for (const c of contracts) {
    const name = fullNameOf(c.type);
    const pkg = parseContractPackage(c.file.package);
    if (c.messageType !== undefined) {
      const previous = byMessageType.get(c.messageType);
      if (previous) report('message-type-unique', c.file.path, name, `message type ${c.messageType} is already declared by ${previous}`);
      else byMessageType.set(c.messageType, name);
      if (pkg) {
        const prefix = pkg.prefix;
        const format = new RegExp(`^(${TYPE_SEGMENT})((?:\\.${TYPE_SEGMENT})+)\\.v([1-9][0-9]*)$`).exec(c.messageType);
        if (!format) {
          report('message-type-format', c.file.path, name, `message type "${c.messageType}" is not <service-prefix>.<dotted.name>.v<N> (lowercase, dot-separated, hyphens inside words)`);
        } else {
          if (format[1] !== prefix) report('message-type-format', c.file.path, name, `message type "${c.messageType}" must start with the package's service prefix "${prefix}."`);
          if (Number(format[3]) !== pkg.version) report('message-type-format', c.file.path, name, `message type "${c.messageType}" must end in .v${pkg.version}, the package version`);
        }
      }
    }
    if (!commentOf(c.type)) report('contract-documented', c.file.path, name, 'has no comment; say what the message means above it');
    if (c.kind === 'event' && !isPastTense(c.type.name, allowlist)) {
      report('event-past-tense', c.file.path, name, `event "${c.type.name}" is not in the past tense (end it in "ed" or allowlist it)`);
    }
    if ((c.kind === 'command' || c.kind === 'query') && isPastTense(c.type.name, [])) {
      report('command-verb', c.file.path, name, `${c.kind} "${c.type.name}" reads as a past-tense event; name it as a verb`);
    }
    if (c.kind === 'query') {
      if (!c.replyType) report('query-reply', c.file.path, name, 'a query must name its reply with (leap.reply_type)');
      else {
        const reply = replies.get(c.replyType);
        if (!reply) report('query-reply', c.file.path, name, `reply type ${c.replyType} is not a reply message`);
        else {
          reply.answered++;
          if (reply.pkg !== packageOf(c.type)) report('query-reply', c.file.path, name, `reply ${reply.name} is not in package ${packageOf(c.type)}`);
        }
      }
    } else if (c.replyType !== undefined) {
      report('query-reply', c.file.path, name, `(leap.reply_type) on a ${c.kind ?? 'message'}; only queries name a reply`);
    }
  }
  for (const [messageType, reply] of replies) {
    if (reply.answered !== 1) report('query-reply', reply.file, reply.name, `reply ${messageType} answers ${reply.answered} queries; it must answer exactly one`);
  }

  // Imports and dependencies.
  for (const file of set.files) {
    const used = new Set<string>();
    const pkg = parseContractPackage(file.package);
    const ownTypes = leapTypes.filter((t) => fileOf(t) === file.path);
    let usesOptions = false;
    for (const type of ownTypes) {
      if (Object.keys(type.options ?? {}).some((k) => k.startsWith('(leap.'))) usesOptions = true;
      for (const field of type.fieldsArray) {
        if (Object.keys(field.options ?? {}).some((k) => k.startsWith('(leap.'))) usesOptions = true;
        const target = field.resolvedType;
        if (!target) continue;
        const from = declaringFile(target);
        const fieldName = `${fullNameOf(type)}.${field.name}`;
        if (from && from !== file.path) {
          used.add(from);
          if (!file.imports.includes(from)) report('imports', file.path, fieldName, `uses ${fullNameOf(target)} from ${from} without importing it`);
        }
        const targetPackage = packageOf(target);
        const allowed =
          targetPackage === file.package ||
          targetPackage === 'google.protobuf' ||
          parseContractPackage(targetPackage)?.segment === COMMON_PACKAGE_SEGMENT;
        if (pkg && pkg.segment !== COMMON_PACKAGE_SEGMENT && !allowed) {
          report('imports', file.path, fieldName, `uses ${fullNameOf(target)} from package ${targetPackage}; a service package may use only its own package, leap.common and google.protobuf`);
        } else if (pkg?.segment === COMMON_PACKAGE_SEGMENT && !allowed) {
          report('imports', file.path, fieldName, `leap.common may use only itself and google.protobuf, not ${targetPackage}`);
        }
      }
    }
    if (usesOptions) used.add(OPTIONS_FILE);
    for (const imported of file.imports) {
      if (imported === 'google/protobuf/descriptor.proto' && file.path === OPTIONS_FILE) continue;
      if (!used.has(imported)) report('imports', file.path, undefined, `imports ${imported} but does not use it`);
    }
  }

  // A reserved number or name stays retired.
  for (const type of leapTypes) {
    const file = ownFile(type)!;
    for (const field of type.fieldsArray) {
      const fieldName = `${fullNameOf(type)}.${field.name}`;
      if (reservedNumber(type.reserved, field.id)) report('reserved-field', file.path, fieldName, `uses reserved number ${field.id}`);
      if ((type.reserved ?? []).includes(field.name)) report('reserved-field', file.path, fieldName, `uses reserved name "${field.name}"`);
    }
  }
  return problems;
}

export function formatLintProblem(problem: LintProblem): string {
  return `${problem.file}${problem.object ? ` ${problem.object}` : ''}: ${problem.message} [${problem.rule}]`;
}
