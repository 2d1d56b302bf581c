import { DEFAULT_PROTO_DIR } from '../catalog';
import { loadProtoDirectory } from '../proto/loader';
import { header, protoSet } from '../test-support/protos';
import { formatLintProblem, LINT_RULES, lintProtos, upperSnake, type LintProblem } from './lint';

const OPTIONS = 'leap/options.proto';

/** Rules some case of this file made fire; the last case checks that none is untested. */
const fired = new Set<string>();

/** Lints inline files; the real options.proto is always part of the set, as in proto/. */
function lint(sources: Record<string, string>): LintProblem[] {
  const problems = lintProtos(protoSet(sources)).filter((p) => p.file !== OPTIONS);
  for (const p of problems) fired.add(p.rule);
  return problems;
}

function rules(sources: Record<string, string>): string[] {
  return lint(sources).map((p) => `${p.rule}: ${p.message}`);
}

const event = (name: string, type: string, body = 'string recording_id = 1 [(leap.required) = true];'): string => `
// Something happened.
message ${name} {
  option (leap.message_type) = "${type}";
  option (leap.kind) = MESSAGE_KIND_EVENT;
  ${body}
}
`;

const command = (name: string, type: string): string => `
// Do something.
message ${name} {
  option (leap.message_type) = "${type}";
  option (leap.kind) = MESSAGE_KIND_COMMAND;
  string recording_id = 1;
}
`;

const MEDIA_EVENTS = 'leap/media/v1/events.proto';
const mediaEvents = (body: string, ...imports: string[]): Record<string, string> => ({
  [MEDIA_EVENTS]: `${header('leap.media.v1', 'leap/options.proto', ...imports)}${body}`,
});

describe('proto lint', () => {
  it('passes on the real proto/ tree', () => {
    const problems = lintProtos(loadProtoDirectory(DEFAULT_PROTO_DIR, { keepCase: true }));
    expect(problems.map(formatLintProblem)).toEqual([]);
  });

  it('passes on a well-formed inline file', () => {
    expect(rules(mediaEvents(event('RecordingTrimmed', 'media.recording.trimmed.v1')))).toEqual([]);
  });

  it('requires proto3 syntax', () => {
    expect(rules({ 'leap/media/v1/types.proto': 'package leap.media.v1;\nmessage Job { optional string id = 1; }' })).toEqual([
      'syntax-proto3: declares no syntax; use syntax = "proto3"',
    ]);
    expect(rules({ 'leap/media/v1/types.proto': 'syntax = "proto2";\npackage leap.media.v1;\nmessage Job { optional string id = 1; }' })).toEqual([
      'syntax-proto3: declares syntax "proto2"; use syntax = "proto3"',
    ]);
  });

  it('requires the package to match the folder and a known service', () => {
    expect(rules({ [MEDIA_EVENTS]: `${header('leap.media.v2', 'leap/options.proto')}${event('RecordingTrimmed', 'media.recording.trimmed.v2')}` })).toContain(
      'package-directory: declares package "leap.media.v2"; its folder says leap.media.v1',
    );
    expect(rules({ 'media/types.proto': `${header('leap.media.v1')}message Note { string text = 1; }` })).toEqual([
      'package-directory: is not in leap/<service>/v<N>/',
    ]);
    expect(rules({ 'leap/billing/v1/types.proto': `${header('leap.billing.v1')}message Note { string text = 1; }` })).toEqual([
      'package-service: "billing" is not a service prefix (common, gateway, ingest, media, transcription, publishing, storage, quota)',
    ]);
  });

  it('requires PascalCase messages and enums, lower_snake_case fields', () => {
    expect(
      rules({
        'leap/media/v1/types.proto': `${header('leap.media.v1')}
message media_job { string JobId = 1; string job_1 = 2; string ok_name = 3; }
enum job_state { JOB_STATE_UNSPECIFIED = 0; }
`,
      }),
    ).toEqual([
      'message-name: message name "media_job" is not PascalCase',
      'field-name: field name "JobId" is not lower_snake_case',
      'field-name: field name "job_1" is not lower_snake_case',
      'enum-name: enum name "job_state" is not PascalCase',
    ]);
  });

  it('requires prefixed UPPER_SNAKE enum values and an _UNSPECIFIED zero value', () => {
    expect(
      rules({
        'leap/media/v1/types.proto': `${header('leap.media.v1')}
enum JobState { JOB_STATE_UNSPECIFIED = 0; RUNNING = 1; JOB_STATE_done = 2; }
enum Codec { CODEC_NONE = 0; CODEC_H264 = 1; }
`,
      }),
    ).toEqual([
      'enum-value-name: enum value "RUNNING" does not start with JOB_STATE_',
      'enum-value-name: enum value "JOB_STATE_done" is not UPPER_SNAKE_CASE',
      'enum-zero-value: the first value must be CODEC_UNSPECIFIED = 0',
    ]);
    expect(upperSnake('HTTPStatusCode')).toBe('HTTP_STATUS_CODE');
  });

  it('forbids json_name overrides', () => {
    expect(rules({ 'leap/media/v1/types.proto': `${header('leap.media.v1')}message Job { string job_id = 1 [json_name = "id"]; }` })).toEqual([
      'field-json-name: overrides its JSON name; rename the field instead',
    ]);
  });

  it('requires message_type and a kind matching the file on every top-level message of a contract file', () => {
    expect(
      rules(
        mediaEvents(`
// The RecordingTrimmed message.
message RecordingTrimmed { string recording_id = 1; }
// The CutRecording message.
message CutRecording {
  option (leap.message_type) = "media.recording.cut.v1";
  option (leap.kind) = MESSAGE_KIND_COMMAND;
  message Detail {
    option (leap.message_type) = "media.recording.detail.v1";
    string note = 1;
  }
  Detail detail = 1;
}
`),
      ),
    ).toEqual([
      'contract-options: declares no (leap.message_type)',
      'contract-options: declares no (leap.kind)',
      'contract-options: is a command, but events.proto holds event messages',
      'contract-options: a nested message cannot be a contract',
    ]);
    expect(
      rules({
        'leap/media/v1/types.proto': `${header('leap.media.v1', 'leap/options.proto')}${event('RecordingTrimmed', 'media.recording.trimmed.v1')}`,
      }),
    ).toEqual(['contract-options: only messages in events.proto, commands.proto, queries.proto are contracts']);
  });

  it('checks the form, prefix and version of message types, and their uniqueness', () => {
    expect(
      rules(
        mediaEvents(
          event('RecordingTrimmed', 'media.RecordingTrimmed.v1') +
            event('RecordingCut', 'transcription.recording.cut.v1') +
            event('RecordingSplit', 'media.recording.split.v2') +
            event('RecordingCopied', 'media.recording.split.v2') +
            event('RecordingMoved', 'media.v1'),
        ),
      ),
    ).toEqual([
      'message-type-format: message type "media.RecordingTrimmed.v1" is not <service-prefix>.<dotted.name>.v<N> (lowercase, dot-separated, hyphens inside words)',
      'message-type-format: message type "transcription.recording.cut.v1" must start with the package\'s service prefix "media."',
      'message-type-format: message type "media.recording.split.v2" must end in .v1, the package version',
      'message-type-unique: message type media.recording.split.v2 is already declared by leap.media.v1.RecordingSplit',
      'message-type-format: message type "media.recording.split.v2" must end in .v1, the package version',
      'message-type-format: message type "media.v1" is not <service-prefix>.<dotted.name>.v<N> (lowercase, dot-separated, hyphens inside words)',
    ]);
  });

  it('requires a comment on every contract message', () => {
    expect(rules(mediaEvents('message RecordingTrimmed {\n  option (leap.message_type) = "media.recording.trimmed.v1";\n  option (leap.kind) = MESSAGE_KIND_EVENT;\n}\n'))).toEqual([
      'contract-documented: has no comment; say what the message means above it',
    ]);
  });

  it('requires past-tense events and verb commands', () => {
    expect(rules(mediaEvents(event('TrimRecording', 'media.recording.trim.v1') + event('MediaProgress', 'media.progress.v1') + event('VideoSent', 'media.video.sent.v1')))).toEqual([
      'event-past-tense: event "TrimRecording" is not in the past tense (end it in "ed" or allowlist it)',
    ]);
    expect(lintProtos(protoSet(mediaEvents(event('MediaProgress', 'media.progress.v1'))), { pastTenseAllowlist: [] }).map((p) => p.rule)).toEqual([
      'event-past-tense',
    ]);
    expect(
      rules({
        'leap/media/v1/commands.proto': `${header('leap.media.v1', 'leap/options.proto')}${command('RecordingTrimmed', 'media.recording.trimmed.v1')}${command('TrimRecording', 'media.recording.trim.v1')}`,
      }),
    ).toEqual(['command-verb: command "RecordingTrimmed" reads as a past-tense event; name it as a verb']);
  });

  it('requires each query to name a reply of its package, and each reply to answer one query', () => {
    const queries = (body: string): Record<string, string> => ({ 'leap/quota/v1/queries.proto': `${header('leap.quota.v1', 'leap/options.proto')}${body}` });
    expect(
      rules(
        queries(`
// The GetUsage message.
message GetUsage {
  option (leap.message_type) = "quota.usage.get.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
}
// The CheckLimit message.
message CheckLimit {
  option (leap.message_type) = "quota.limit.check.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
  option (leap.reply_type) = "quota.usage.get.v1";
}
// The Usage message.
message Usage {
  option (leap.message_type) = "quota.usage.v1";
  option (leap.kind) = MESSAGE_KIND_REPLY;
}
`),
      ),
    ).toEqual([
      'query-reply: a query must name its reply with (leap.reply_type)',
      'query-reply: reply type quota.usage.get.v1 is not a reply message',
      'query-reply: reply quota.usage.v1 answers 0 queries; it must answer exactly one',
    ]);
    expect(
      rules(
        mediaEvents(`
// The RecordingTrimmed message.
message RecordingTrimmed {
  option (leap.message_type) = "media.recording.trimmed.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
  option (leap.reply_type) = "media.recording.trimmed.v1";
}
`),
      ),
    ).toEqual(['query-reply: (leap.reply_type) on a event; only queries name a reply']);
  });

  it('rejects unknown options and wrongly typed option values', () => {
    expect(
      rules(
        mediaEvents(`
// The RecordingTrimmed message.
message RecordingTrimmed {
  option (leap.message_type) = "media.recording.trimmed.v1";
  option (leap.kind) = MESSAGE_KIND_TRIGGER;
  option (leap.mesage_type) = "typo";
  string recording_id = 1 [(leap.requird) = true, (leap.required) = "yes"];
}
`),
      ),
    ).toEqual([
      'unknown-option: unknown field option (leap.requird)',
      'unknown-option: (leap.required) must be true or false, not "yes"',
      'unknown-option: unknown message option (leap.mesage_type)',
      'unknown-option: (leap.kind) = MESSAGE_KIND_TRIGGER is not a leap.MessageKind value',
    ]);
  });

  it('forbids (leap.required) on oneof members and optional fields', () => {
    expect(
      rules(
        mediaEvents(
          event(
            'RecordingPublished',
            'media.recording.published.v1',
            'optional int32 limit = 1 [(leap.required) = true];\n  oneof where { string url = 2 [(leap.required) = true]; string path = 3; }',
          ),
        ),
      ),
    ).toEqual(['required-in-oneof: is an optional field and cannot be (leap.required)', 'required-in-oneof: is a member of oneof where and cannot be (leap.required)']);
  });

  it('forbids fields on reserved numbers or names', () => {
    const problems = rules({ 'leap/media/v1/types.proto': `${header('leap.media.v1')}message Job { string job_id = 1; string note = 2; reserved 2; reserved "job_id"; }` });
    expect(problems).toEqual(['reserved-field: uses reserved name "job_id"', 'reserved-field: uses reserved number 2']);
  });

  it('requires imports for the types used, allows only own, common and well-known packages, and flags unused imports', () => {
    const files = {
      'leap/ingest/v1/types.proto': `${header('leap.ingest.v1')}enum SourceType { SOURCE_TYPE_UNSPECIFIED = 0; }`,
      'leap/media/v1/types.proto': `${header('leap.media.v1', 'google/protobuf/duration.proto', 'leap/ingest/v1/types.proto')}
message Job {
  leap.ingest.v1.SourceType source = 1;
  google.protobuf.Timestamp at = 2;
}
`,
      'leap/media/v1/other.proto': `${header('leap.media.v1', 'google/protobuf/timestamp.proto')}message Other { string id = 1; }`,
    };
    expect(rules(files)).toEqual([
      'imports: imports google/protobuf/timestamp.proto but does not use it',
      'imports: uses leap.ingest.v1.SourceType from package leap.ingest.v1; a service package may use only its own package, leap.common and google.protobuf',
      'imports: uses google.protobuf.Timestamp from google/protobuf/timestamp.proto without importing it',
      'imports: imports google/protobuf/duration.proto but does not use it',
    ]);
  });

  it('has a case above for every rule it documents (runs last)', () => {
    expect(Object.keys(LINT_RULES).filter((rule) => !fired.has(rule))).toEqual([]);
    expect([...fired].filter((rule) => !(rule in LINT_RULES))).toEqual([]);
  });
});
