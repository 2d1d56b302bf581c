import type { DescEnum, DescField, DescFile, DescMessage, FileRegistry } from '@bufbuild/protobuf';
import { leapOptionReader } from '../descriptors/leap-options';
import { COMMON_PACKAGE_SEGMENT, CONTRACT_SERVICES, packageSegment, parseContractPackage } from '../services';
import { bufBuild, bufLint, formatFinding, registryOfImage } from './buf';

/**
 * LEAP's own rules, on top of `buf lint` (proto/buf.yaml: names, enum prefixes and zero
 * values, package and folder, unused imports, comments on messages and enums) and of the
 * compiler (unknown options, reserved numbers, unresolved types). These rules read the LEAP
 * options, which buf knows nothing about.
 */
export const LINT_RULES = {
  'syntax-proto3': 'every file declares syntax = "proto3"',
  'package-service': 'a package is leap (for leap/options.proto only) or leap.<service-prefix or common>.v<N>',
  'field-json-name': 'fields do not override their JSON name',
  'contract-options': 'top-level messages of events, commands and queries files declare (leap.message_type) and a (leap.kind) matching the file; no other message does',
  'message-type-format': 'a message type is <service-prefix>.<dotted.name>.v<N>, with the prefix and version of its package',
  'message-type-unique': 'no two messages declare the same message type',
  'event-past-tense': 'events are named in the past tense (the last word ends in "ed", is an irregular participle, or the name is allowlisted)',
  'command-verb': 'commands and queries are named as verbs, not in the past tense',
  'query-reply': 'a query names a reply message of its package with (leap.reply_type); only queries do; every reply answers one query',
  'required-in-oneof': '(leap.required) is not put on a oneof member or a proto3 optional field',
  'package-dependencies': 'a service package uses only its own package, leap.common and google.protobuf; leap.common only itself and google.protobuf',
} as const;

export type LintRule = keyof typeof LINT_RULES;

export interface LintProblem {
  rule: LintRule;
  /** Proto file, relative to the module root. */
  file: string;
  /** The message or field concerned (full name), when there is one. */
  object?: string;
  message: string;
}

export interface LintOptions {
  /** Event names accepted although they do not end in "ed". Defaults to {@link PAST_TENSE_ALLOWLIST}. */
  pastTenseAllowlist?: readonly string[];
}

/** Event names that are past-tense facts although their last word does not end in "ed". */
export const PAST_TENSE_ALLOWLIST: readonly string[] = ['MediaProgress', 'TranscriptionProgress', 'PublishingProgress', 'IngestProgress'];

const IRREGULAR_PARTICIPLES = new Set(
  'Begun Built Chosen Cut Done Drawn Found Given Held Hidden Kept Left Lost Made Met Paid Read Rebuilt Reset Run Rerun Sent Set Shown Split Taken Thrown Undone Won Written Rewritten'.split(' '),
);

const TYPE_SEGMENT = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const CONTRACT_FILES: Record<string, readonly string[]> = {
  'events.proto': ['event'],
  'commands.proto': ['command'],
  'queries.proto': ['query', 'reply'],
};
const KINDS: Record<string, string> = {
  MESSAGE_KIND_EVENT: 'event',
  MESSAGE_KIND_COMMAND: 'command',
  MESSAGE_KIND_QUERY: 'query',
  MESSAGE_KIND_REPLY: 'reply',
};
const OPTIONS_FILE = 'leap/options.proto';

function isPastTense(name: string, allowlist: readonly string[]): boolean {
  if (allowlist.includes(name)) return true;
  const last = name.split(/(?=[A-Z])/).at(-1) ?? name;
  return last.endsWith('ed') || IRREGULAR_PARTICIPLES.has(last);
}

/** protoc's default JSON name: drop each underscore and upper-case the character after it. */
export function toJsonName(name: string): string {
  return name.replace(/_+(.?)/g, (_, c: string) => c.toUpperCase());
}

function packageOf(type: DescMessage | DescEnum): string {
  return type.file.proto.package;
}

function leapFiles(registry: FileRegistry): DescFile[] {
  const files: DescFile[] = [];
  for (const file of registry.files) if (file.proto.name.startsWith('leap/')) files.push(file);
  return files;
}

function messagesOf(file: DescFile): DescMessage[] {
  const out: DescMessage[] = [];
  const visit = (message: DescMessage): void => {
    out.push(message);
    message.nestedMessages.forEach(visit);
  };
  file.messages.forEach(visit);
  return out;
}

/**
 * LEAP's rules over a compiled module (`buf build` of proto/, or of a test's files). Returns
 * every problem; an empty list means the files follow the LEAP conventions.
 */
export function lintLeapRules(registry: FileRegistry, options: LintOptions = {}): LintProblem[] {
  const allowlist = options.pastTenseAllowlist ?? PAST_TENSE_ALLOWLIST;
  const problems: LintProblem[] = [];
  const report = (rule: LintRule, file: string, object: string | undefined, message: string): void => {
    problems.push(object ? { rule, file, object, message } : { rule, file, message });
  };
  const read = leapOptionReader(registry);
  const knownSegments = new Set<string>([COMMON_PACKAGE_SEGMENT, ...CONTRACT_SERVICES.map((s) => packageSegment(s.prefix))]);
  const files = leapFiles(registry);
  const contracts: Array<{ message: DescMessage; file: string; kind?: string; messageType?: string; replyType?: string }> = [];

  for (const file of files) {
    const syntax = file.proto.syntax || (file.proto.edition ? `edition ${file.proto.edition}` : 'proto2');
    if (syntax !== 'proto3') report('syntax-proto3', file.proto.name, undefined, `declares syntax "${syntax}"; use syntax = "proto3"`);
    const pkg = file.proto.package;
    if (file.proto.name === OPTIONS_FILE ? pkg !== 'leap' : !parseContractPackage(pkg) || !knownSegments.has(parseContractPackage(pkg)!.segment)) {
      report('package-service', file.proto.name, undefined, `package "${pkg}" is not leap.<${[...knownSegments].join('|')}>.v<N>`);
    }
    const base = file.proto.name.split('/').at(-1)!;
    const allowedKinds = CONTRACT_FILES[base];
    for (const message of messagesOf(file)) {
      const name = message.typeName;
      const messageType = read.messageType(message);
      const kindValue = read.kind(message);
      const replyType = read.replyType(message);
      for (const field of message.fields) checkField(field, read.required(field), report, file.proto.name);
      const topLevel = message.parent === undefined;
      if (!topLevel || !allowedKinds) {
        if (messageType !== undefined || kindValue !== undefined) {
          report('contract-options', file.proto.name, name, topLevel ? `only messages in ${Object.keys(CONTRACT_FILES).join(', ')} are contracts` : 'a nested message cannot be a contract');
        }
        if (replyType !== undefined) report('query-reply', file.proto.name, name, '(leap.reply_type) on a message that is not a query');
        continue;
      }
      if (messageType === undefined) report('contract-options', file.proto.name, name, 'declares no (leap.message_type)');
      const kind = kindValue === undefined ? undefined : KINDS[kindValue];
      if (kind === undefined) report('contract-options', file.proto.name, name, `declares ${kindValue === undefined ? 'no (leap.kind)' : `(leap.kind) = ${kindValue}`}`);
      else if (!allowedKinds.includes(kind)) report('contract-options', file.proto.name, name, `is a ${kind}, but ${base} holds ${allowedKinds.join(' and ')} messages`);
      contracts.push({ message, file: file.proto.name, kind, messageType, replyType });
    }
  }

  const byMessageType = new Map<string, string>();
  const replies = new Map<string, { name: string; file: string; pkg: string; answered: number }>();
  for (const c of contracts) {
    if (c.kind === 'reply' && c.messageType) replies.set(c.messageType, { name: c.message.typeName, file: c.file, pkg: packageOf(c.message), answered: 0 });
  }
  for (const c of contracts) {
    const name = c.message.typeName;
    const pkg = parseContractPackage(packageOf(c.message));
    if (c.messageType !== undefined) {
      const previous = byMessageType.get(c.messageType);
      if (previous) report('message-type-unique', c.file, name, `message type ${c.messageType} is already declared by ${previous}`);
      else byMessageType.set(c.messageType, name);
      if (pkg) {
        const format = new RegExp(`^(${TYPE_SEGMENT})((?:\\.${TYPE_SEGMENT})+)\\.v([1-9][0-9]*)$`).exec(c.messageType);
        if (!format) {
          report('message-type-format', c.file, name, `message type "${c.messageType}" is not <service-prefix>.<dotted.name>.v<N> (lowercase, dot-separated, hyphens inside words)`);
        } else {
          if (format[1] !== pkg.prefix) report('message-type-format', c.file, name, `message type "${c.messageType}" must start with the package's service prefix "${pkg.prefix}."`);
          if (Number(format[3]) !== pkg.version) report('message-type-format', c.file, name, `message type "${c.messageType}" must end in .v${pkg.version}, the package version`);
        }
      }
    }
    if (c.kind === 'event' && !isPastTense(c.message.name, allowlist)) {
      report('event-past-tense', c.file, name, `event "${c.message.name}" is not in the past tense (end it in "ed" or allowlist it)`);
    }
    if ((c.kind === 'command' || c.kind === 'query') && isPastTense(c.message.name, [])) {
      report('command-verb', c.file, name, `${c.kind} "${c.message.name}" reads as a past-tense event; name it as a verb`);
    }
    if (c.kind === 'query') {
      if (!c.replyType) report('query-reply', c.file, name, 'a query must name its reply with (leap.reply_type)');
      else {
        const reply = replies.get(c.replyType);
        if (!reply) report('query-reply', c.file, name, `reply type ${c.replyType} is not a reply message`);
        else {
          reply.answered++;
          if (reply.pkg !== packageOf(c.message)) report('query-reply', c.file, name, `reply ${reply.name} is not in package ${packageOf(c.message)}`);
        }
      }
    } else if (c.replyType !== undefined) {
      report('query-reply', c.file, name, `(leap.reply_type) on a ${c.kind ?? 'message'}; only queries name a reply`);
    }
  }
  for (const [messageType, reply] of replies) {
    if (reply.answered !== 1) report('query-reply', reply.file, reply.name, `reply ${messageType} answers ${reply.answered} queries; it must answer exactly one`);
  }
  return problems;
}

function checkField(field: DescField, required: boolean, report: (rule: LintRule, file: string, object: string, message: string) => void, file: string): void {
  const name = `${field.parent.typeName}.${field.name}`;
  if (field.jsonName !== toJsonName(field.name)) report('field-json-name', file, name, 'overrides its JSON name; rename the field instead');
  if (required && (field.oneof || field.proto.proto3Optional)) {
    const what = field.proto.proto3Optional ? 'an optional field' : `a member of oneof ${field.oneof!.name}`;
    report('required-in-oneof', file, name, `is ${what} and cannot be (leap.required)`);
  }
  const target = field.message ?? field.enum;
  if (!target) return;
  const own = field.parent.file.proto.package;
  const used = packageOf(target);
  const allowed = used === own || used === 'google.protobuf' || parseContractPackage(used)?.segment === COMMON_PACKAGE_SEGMENT;
  if (allowed || !parseContractPackage(own)) return;
  report(
    'package-dependencies',
    file,
    name,
    parseContractPackage(own)!.segment === COMMON_PACKAGE_SEGMENT
      ? `leap.common may use only itself and google.protobuf, not ${used}`
      : `uses ${target.typeName} from package ${used}; a service package may use only its own package, leap.common and google.protobuf`,
  );
}

export function formatLintProblem(problem: LintProblem): string {
  return `${problem.file}${problem.object ? ` ${problem.object}` : ''}: ${problem.message} [${problem.rule}]`;
}

/** `buf lint` and LEAP's rules over the module at `protoDir`; empty when both pass. */
export function lintModule(protoDir: string, options: LintOptions = {}): string[] {
  const findings = bufLint(protoDir).map(formatFinding);
  if (findings.length > 0) return findings;
  return lintLeapRules(registryOfImage(bufBuild(protoDir)), options).map(formatLintProblem);
}
