import { DEFAULT_PROTO_DIR } from '../catalog';
import { header, removeModule, tempModule } from '../test-support/protos';
import { bufBuild, registryOfImage } from './buf';
import { LINT_RULES, lintLeapRules, lintModule } from './lint';

/** Rules some case of this file made fire; the last case checks that none is untested. */
const fired = new Set<string>();

/** buf lint and LEAP's rules over inline files beside the real options and common protos. */
function lint(sources: Record<string, string>): string[] {
  const dir = tempModule(sources);
  try {
    const problems = lintModule(dir);
    for (const p of problems) fired.add(/\[([a-z0-9-]+)\]$/.exec(p)?.[1] ?? '');
    return problems;
  } finally {
    removeModule(dir);
  }
}

/** LEAP's rules only, as `rule: message`. */
function rules(sources: Record<string, string>): string[] {
  const dir = tempModule(sources);
  try {
    const problems = lintLeapRules(registryOfImage(bufBuild(dir))).filter((p) => p.file !== 'leap/options.proto');
    for (const p of problems) fired.add(p.rule);
    return problems.map((p) => `${p.rule}: ${p.message}`);
  } finally {
    removeModule(dir);
  }
}

const contract = (name: string, type: string, kind: string, extra = ''): string => `
// ${name} means something.
message ${name} {
  option (leap.message_type) = "${type}";
  option (leap.kind) = ${kind};${extra}
  string recording_id = 1 [(leap.required) = true];
}
`;

const mediaFile = (file: string, body: string, ...imports: string[]): Record<string, string> => ({
  [`leap/media/v1/${file}`]: `${header('leap.media.v1', 'leap/options.proto', ...imports)}${body}`,
});

describe('proto lint (buf lint and LEAP rules)', () => {
  it('passes on the real proto/ tree', () => {
    expect(lintModule(DEFAULT_PROTO_DIR)).toEqual([]);
  });

  it('passes on a well-formed inline file', () => {
    expect(lint(mediaFile('events.proto', contract('RecordingTrimmed', 'media.recording.trimmed.v1', 'MESSAGE_KIND_EVENT')))).toEqual([]);
  });

  it('runs buf lint with proto/buf.yaml: names, enum zero values, comments, unused imports', () => {
    const found = lint(
      mediaFile('types.proto', '// A job.\nmessage media_job { string JobId = 1; }\n// A state.\nenum JobState { RUNNING = 0; }\nmessage Undocumented {}\n', 'leap/common/v1/common.proto'),
    ).map((line) => /\[([A-Z0-9_]+)\]$/.exec(line)?.[1]);
    expect(found).toEqual(
      expect.arrayContaining(['MESSAGE_PASCAL_CASE', 'FIELD_LOWER_SNAKE_CASE', 'ENUM_VALUE_PREFIX', 'ENUM_ZERO_VALUE_SUFFIX', 'COMMENT_MESSAGE', 'IMPORT_USED']),
    );
  });

  it('requires proto3 syntax and a known service package', () => {
    expect(rules({ 'leap/media/v1/types.proto': 'syntax = "proto2";\npackage leap.media.v1;\n// A job.\nmessage Job { optional string id = 1; }' })).toEqual([
      'syntax-proto3: declares syntax "proto2"; use syntax = "proto3"',
    ]);
    expect(rules({ 'leap/billing/v1/types.proto': `${header('leap.billing.v1')}// A note.\nmessage Note { string text = 1; }` })).toEqual([
      'package-service: package "leap.billing.v1" is not leap.<common|gateway|ingest|media|transcription|publishing|storage|quota>.v<N>',
    ]);
  });

  it('forbids json_name overrides', () => {
    expect(rules({ 'leap/media/v1/types.proto': `${header('leap.media.v1')}// A job.\nmessage Job { string job_id = 1 [json_name = "id"]; }` })).toEqual([
      'field-json-name: overrides its JSON name; rename the field instead',
    ]);
  });

  it('requires message_type and a kind matching the file on top-level messages of contract files, and nowhere else', () => {
    expect(rules(mediaFile('events.proto', '// Trimmed.\nmessage RecordingTrimmed { string recording_id = 1; }\n'))).toEqual([
      'contract-options: declares no (leap.message_type)',
      'contract-options: declares no (leap.kind)',
    ]);
    expect(rules(mediaFile('events.proto', contract('TrimRecording', 'media.recording.trim.v1', 'MESSAGE_KIND_COMMAND')))).toEqual([
      'contract-options: is a command, but events.proto holds event messages',
    ]);
    expect(rules(mediaFile('types.proto', contract('RecordingTrimmed', 'media.recording.trimmed.v1', 'MESSAGE_KIND_EVENT')))).toEqual([
      'contract-options: only messages in events.proto, commands.proto, queries.proto are contracts',
    ]);
  });

  it('checks the form, prefix and version of message types, and their uniqueness', () => {
    expect(
      rules(
        mediaFile(
          'events.proto',
          contract('RecordingTrimmed', 'media.recording.trimmed.v2', 'MESSAGE_KIND_EVENT') +
            contract('RecordingCut', 'media.recording.trimmed.v2', 'MESSAGE_KIND_EVENT') +
            contract('RecordingMoved', 'ingest.recording.moved.v1', 'MESSAGE_KIND_EVENT') +
            contract('RecordingSaved', 'Media_Saved', 'MESSAGE_KIND_EVENT'),
        ),
      ),
    ).toEqual([
      'message-type-format: message type "media.recording.trimmed.v2" must end in .v1, the package version',
      'message-type-unique: message type media.recording.trimmed.v2 is already declared by leap.media.v1.RecordingTrimmed',
      'message-type-format: message type "media.recording.trimmed.v2" must end in .v1, the package version',
      'message-type-format: message type "ingest.recording.moved.v1" must start with the package\'s service prefix "media."',
      'message-type-format: message type "Media_Saved" is not <service-prefix>.<dotted.name>.v<N> (lowercase, dot-separated, hyphens inside words)',
    ]);
  });

  it('requires past-tense events and verb commands', () => {
    expect(rules(mediaFile('events.proto', contract('TrimRecording', 'media.recording.trim.v1', 'MESSAGE_KIND_EVENT')))).toEqual([
      'event-past-tense: event "TrimRecording" is not in the past tense (end it in "ed" or allowlist it)',
    ]);
    expect(rules(mediaFile('events.proto', contract('MediaProgress', 'media.progress.v1', 'MESSAGE_KIND_EVENT')))).toEqual([]);
    expect(rules(mediaFile('commands.proto', contract('RecordingTrimmed', 'media.recording.trimmed.v1', 'MESSAGE_KIND_COMMAND')))).toEqual([
      'command-verb: command "RecordingTrimmed" reads as a past-tense event; name it as a verb',
    ]);
  });

  it('requires each query to name a reply of its package, and each reply to answer one query', () => {
    const reply = contract('JobsPage', 'media.jobs.page.v1', 'MESSAGE_KIND_REPLY');
    expect(rules(mediaFile('queries.proto', contract('ListJobs', 'media.jobs.list.v1', 'MESSAGE_KIND_QUERY', '\n  option (leap.reply_type) = "media.jobs.page.v1";') + reply))).toEqual([]);
    expect(rules(mediaFile('queries.proto', contract('ListJobs', 'media.jobs.list.v1', 'MESSAGE_KIND_QUERY') + reply))).toEqual([
      'query-reply: a query must name its reply with (leap.reply_type)',
      'query-reply: reply media.jobs.page.v1 answers 0 queries; it must answer exactly one',
    ]);
    expect(rules(mediaFile('events.proto', contract('JobListed', 'media.job.listed.v1', 'MESSAGE_KIND_EVENT', '\n  option (leap.reply_type) = "media.jobs.page.v1";')))).toEqual([
      'query-reply: (leap.reply_type) on a event; only queries name a reply',
    ]);
  });

  it('forbids (leap.required) on oneof members and optional fields', () => {
    expect(
      rules(mediaFile('types.proto', '// A job.\nmessage Job {\n  optional string id = 1 [(leap.required) = true];\n  oneof where {\n    string url = 2 [(leap.required) = true];\n    string path = 3;\n  }\n}\n')),
    ).toEqual(['required-in-oneof: is an optional field and cannot be (leap.required)', 'required-in-oneof: is a member of oneof where and cannot be (leap.required)']);
  });

  it('lets a service package use only its own package, leap.common and google.protobuf', () => {
    const ingest = { 'leap/ingest/v1/types.proto': `${header('leap.ingest.v1')}// A note.\nmessage Note { string text = 1; }\n` };
    expect(
      rules({
        ...ingest,
        ...mediaFile('types.proto', '// A job.\nmessage Job {\n  leap.ingest.v1.Note note = 1;\n  leap.common.v1.ObjectRef video = 2;\n}\n', 'leap/ingest/v1/types.proto', 'leap/common/v1/common.proto'),
      }),
    ).toEqual(['package-dependencies: uses leap.ingest.v1.Note from package leap.ingest.v1; a service package may use only its own package, leap.common and google.protobuf']);
  });

  it('has a case above for every LEAP rule it documents (runs last)', () => {
    expect([...fired].filter((rule) => rule in LINT_RULES).sort()).toEqual(Object.keys(LINT_RULES).sort());
  });
});
