import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PROTO_DIR } from '../catalog';
import { removeModule, tempModule } from '../test-support/protos';
import { bufBreaking } from './buf';
import { breakingChanges, OPTION_RULES } from './published';

const EVENTS = 'leap/media/v1/events.proto';
const PUBLISHED = fs.readFileSync(path.join(DEFAULT_PROTO_DIR, EVENTS), 'utf8');

/** Breaking changes of proto/ with one edit to media's events, against proto/published.binpb. */
function breakingAfter(from: string | RegExp, to: string): string[] {
  const text = PUBLISHED.replace(from, to);
  if (text === PUBLISHED) throw new Error(`the published proto has no ${String(from)}`);
  const dir = tempModule({ [EVENTS]: text }, { wholeTree: true });
  try {
    return breakingChanges(dir);
  } finally {
    removeModule(dir);
  }
}

const fired = new Set<string>();
function optionChanges(from: string | RegExp, to: string): string[] {
  const found = breakingAfter(from, to);
  for (const line of found) fired.add(/\[([a-z-]+)\]$/.exec(line)?.[1] ?? '');
  return found;
}

describe('breaking-change check (buf breaking against proto/published.binpb)', () => {
  it('finds nothing for proto/ as it is', () => {
    expect(bufBreaking(DEFAULT_PROTO_DIR)).toEqual([]);
    expect(breakingChanges(DEFAULT_PROTO_DIR)).toEqual([]);
  });

  it('allows additions: a field, a message, a field removed with its number and name reserved', () => {
    expect(breakingAfter('double trimmed_tail_seconds = 8;', 'double trimmed_tail_seconds = 8;\n  string note = 9;')).toEqual([]);
    expect(breakingAfter(/$/, '\n// A poster was chosen.\nmessage PosterChosen {\n  option (leap.message_type) = "media.poster.chosen.v1";\n  option (leap.kind) = MESSAGE_KIND_EVENT;\n}\n')).toEqual([]);
    expect(breakingAfter(/ {2}\/\/ Silence removed from the end, in seconds.\n {2}double trimmed_tail_seconds = 8;/, '  reserved 8;\n  reserved "trimmed_tail_seconds";')).toEqual([]);
  });

  it('fails when a field of a published message is removed, naming the message and the field', () => {
    expect(breakingAfter('  double trimmed_tail_seconds = 8;\n', '')).toEqual([
      expect.stringMatching(
        /^leap\/media\/v1\/events\.proto:\d+:\d+: Previously present field "8" with name "trimmed_tail_seconds" on message "RecordingTrimmed" was deleted without reserving the (number|name) .*\[FIELD_NO_DELETE_UNLESS_(NUMBER|NAME)_RESERVED\]$/,
      ),
      expect.stringMatching(/"trimmed_tail_seconds" on message "RecordingTrimmed" was deleted without reserving the (number|name)/),
    ]);
  });

  it('fails when a field is retyped or renamed, or a message removed', () => {
    expect(breakingAfter('double source_duration_seconds = 5;', 'string source_duration_seconds = 5;').join('\n')).toMatch(
      /Field "5" with name "source_duration_seconds" on message "RecordingTrimmed" changed type from "double" to "string".*\[FIELD_SAME_TYPE\]/,
    );
    expect(breakingAfter('double source_duration_seconds = 5;', 'double source_seconds = 5;').join('\n')).toMatch(/\[FIELD_SAME_NAME\][\s\S]*\[FIELD_SAME_JSON_NAME\]|\[FIELD_SAME_JSON_NAME\][\s\S]*\[FIELD_SAME_NAME\]/);
    expect(breakingAfter('message RecordingTrimmed {', 'message RecordingCut {').join('\n')).toMatch(/message "RecordingTrimmed" was deleted from package "leap\.media\.v1".*\[PACKAGE_MESSAGE_NO_DELETE\]/);
  });

  it('fails when the LEAP options of a published message change', () => {
    expect(optionChanges('"media.recording.trimmed.v1"', '"media.recording.cut.v1"')).toEqual([
      'leap.media.v1.RecordingTrimmed: message type changed from media.recording.trimmed.v1 to media.recording.cut.v1 [message-type-changed]',
    ]);
    expect(optionChanges(/(message RecordingTrimmed \{\n.*\n {2}option \(leap\.kind\) = )MESSAGE_KIND_EVENT/, '$1MESSAGE_KIND_COMMAND')).toContain(
      'leap.media.v1.RecordingTrimmed: kind changed from MESSAGE_KIND_EVENT to MESSAGE_KIND_COMMAND [message-kind-changed]',
    );
    expect(optionChanges('string user_id = 2 [(leap.required) = true];', 'string user_id = 2;')).toEqual([
      'leap.media.v1.RecordingTrimmed.user_id: field user_id = 2 is no longer (leap.required) [field-required-changed]',
    ]);
    expect(optionChanges('double trimmed_tail_seconds = 8;', 'double trimmed_tail_seconds = 8;\n  string note = 9 [(leap.required) = true];')).toEqual([
      'leap.media.v1.RecordingTrimmed.note: new field note = 9 is (leap.required); producers of the published version do not send it [required-field-added]',
    ]);
  });

  it('fails when a query changes its reply type', () => {
    const dir = tempModule({}, { wholeTree: true });
    try {
      const file = path.join(dir, 'leap/media/v1/queries.proto');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.replace(/option \(leap\.reply_type\) = "([^"]+)";/, 'option (leap.reply_type) = "$1x";'));
      const found = breakingChanges(dir);
      for (const line of found) fired.add(/\[([a-z-]+)\]$/.exec(line)?.[1] ?? '');
      expect(found).toEqual([expect.stringMatching(/^leap\.media\.v1\.ListMediaJobs: reply type changed from .* \[reply-type-changed\]$/)]);
    } finally {
      removeModule(dir);
    }
  });

  it('has a case above for every LEAP option rule (runs last)', () => {
    expect([...fired].filter((rule) => rule in OPTION_RULES).sort()).toEqual(Object.keys(OPTION_RULES).sort());
  });
});
