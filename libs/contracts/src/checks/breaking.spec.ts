import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PROTO_DIR } from '../catalog';
import { loadProtoDirectory } from '../proto/loader';
import { header, protoSet } from '../test-support/protos';
import {
  BREAKING_RULES,
  checkBreakingChanges,
  emptyLock,
  formatBreakingChange,
  mergeLock,
  parseLock,
  serializeLock,
  snapshotOf,
  type ProtoLock,
} from './breaking';

const FILE = 'leap/media/v1/events.proto';
const HEAD = header('leap.media.v1', 'leap/common/v1/common.proto', 'leap/options.proto');

const PUBLISHED = `${HEAD}
enum Quality {
  QUALITY_UNSPECIFIED = 0;
  QUALITY_LOW = 1;
  QUALITY_HIGH = 2;
}

message RecordingTrimmed {
  option (leap.message_type) = "media.recording.trimmed.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
  string recording_id = 1 [(leap.required) = true];
  leap.common.v1.ObjectRef video = 2;
  int64 size_bytes = 3;
  repeated string tags = 4;
  Quality quality = 5;
  oneof where {
    string url = 6;
    string path = 7;
  }
  string note = 8;
}

message ThumbnailsMade {
  option (leap.message_type) = "media.thumbnails.made.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
  map<string, string> labels = 1;
  optional int32 count = 2;
}
`;

/** The published protos with one edit applied; the edit must change something. */
function edited(from: string, to: string): string {
  if (!PUBLISHED.includes(from)) throw new Error(`the published proto has no ${JSON.stringify(from)}`);
  return PUBLISHED.replace(from, to);
}

const fired = new Set<string>();

function changes(lock: ProtoLock, text: string): string[] {
  const found = checkBreakingChanges(lock, protoSet({ [FILE]: text }));
  for (const change of found) fired.add(change.rule);
  return found.map(formatBreakingChange);
}

const lock = snapshotOf(protoSet({ [FILE]: PUBLISHED }));

describe('breaking-change check', () => {
  it('finds nothing when the protos are the published ones', () => {
    expect(changes(lock, PUBLISHED)).toEqual([]);
  });

  it('allows additions: messages, fields, enum values, reserved removals', () => {
    const grown = edited('  string note = 8;\n}', '  string note = 8;\n  int32 width = 9;\n  reserved 20;\n}')
      .replace('QUALITY_HIGH = 2;', 'QUALITY_HIGH = 2;\n  QUALITY_ULTRA = 3;')
      .concat(
        '\nmessage PosterMade {\n  option (leap.message_type) = "media.poster.made.v1";\n  option (leap.kind) = MESSAGE_KIND_EVENT;\n  string recording_id = 1 [(leap.required) = true];\n}\n',
      );
    expect(changes(lock, grown)).toEqual([]);
    expect(changes(lock, edited('  string note = 8;', '  reserved 8;\n  reserved "note";'))).toEqual([]);
  });

  it('fires when a message is removed or renamed', () => {
    expect(changes(lock, edited('message ThumbnailsMade {', 'message ThumbnailsCreated {'))).toEqual([
      'leap.media.v1.ThumbnailsMade: message leap.media.v1.ThumbnailsMade (media.thumbnails.made.v1) was removed or renamed [message-removed]',
    ]);
  });

  it('fires when a message type, kind or reply type changes', () => {
    expect(changes(lock, edited('"media.thumbnails.made.v1"', '"media.thumbnails.created.v1"'))).toEqual([
      'leap.media.v1.ThumbnailsMade: message type changed from media.thumbnails.made.v1 to media.thumbnails.created.v1 [message-type-changed]',
    ]);
    expect(changes(lock, edited('  option (leap.message_type) = "media.thumbnails.made.v1";\n', ''))).toEqual([
      'leap.media.v1.ThumbnailsMade: message type changed from media.thumbnails.made.v1 to nothing [message-type-changed]',
    ]);
    expect(changes(lock, edited('map<string, string> labels = 1;', 'map<string, string> labels = 1;').replace(/MESSAGE_KIND_EVENT;\n  map/, 'MESSAGE_KIND_COMMAND;\n  map'))).toEqual([
      'leap.media.v1.ThumbnailsMade: kind changed from event to command [message-kind-changed]',
    ]);
    const queries = (reply: string): string => `${header('leap.media.v1', 'leap/options.proto')}
message GetJob {
  option (leap.message_type) = "media.job.get.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
  option (leap.reply_type) = "${reply}";
}
`;
    const queryLock = snapshotOf(protoSet({ 'leap/media/v1/queries.proto': queries('media.job.v1') }));
    const found = checkBreakingChanges(queryLock, protoSet({ 'leap/media/v1/queries.proto': queries('media.job-state.v1') }));
    for (const change of found) fired.add(change.rule);
    expect(found.map(formatBreakingChange)).toEqual(['leap.media.v1.GetJob: reply type changed from media.job.v1 to media.job-state.v1 [reply-type-changed]']);
  });

  it('fires when a field is removed without reserving its number', () => {
    expect(changes(lock, edited('  string note = 8;\n', ''))).toEqual([
      'leap.media.v1.RecordingTrimmed.note: field note = 8 was removed without reserving 8 [field-removed]',
    ]);
    expect(changes(lock, edited('  string note = 8;\n', '  reserved "note";\n'))).toEqual([
      'leap.media.v1.RecordingTrimmed.note: field note = 8 was removed without reserving 8 [field-removed]',
    ]);
  });

  it('fires when a field is renamed, retyped or relabelled', () => {
    expect(changes(lock, edited('int64 size_bytes = 3;', 'int64 bytes = 3;'))).toEqual([
      'leap.media.v1.RecordingTrimmed.size_bytes: field 3 was renamed from size_bytes to bytes [field-renamed]',
    ]);
    expect(changes(lock, edited('int64 size_bytes = 3;', 'int32 size_bytes = 3;'))).toEqual([
      'leap.media.v1.RecordingTrimmed.size_bytes: field size_bytes = 3 changed type from int64 to int32 [field-type-changed]',
    ]);
    expect(changes(lock, edited('leap.common.v1.ObjectRef video = 2;', 'leap.common.v1.Failure video = 2;'))).toEqual([
      'leap.media.v1.RecordingTrimmed.video: field video = 2 changed type from leap.common.v1.ObjectRef to leap.common.v1.Failure [field-type-changed]',
    ]);
    expect(changes(lock, edited('repeated string tags = 4;', 'string tags = 4;'))).toEqual([
      'leap.media.v1.RecordingTrimmed.tags: field tags = 4 changed from repeated to singular [field-label-changed]',
    ]);
    expect(changes(lock, edited('optional int32 count = 2;', 'int32 count = 2;'))).toEqual([
      'leap.media.v1.ThumbnailsMade.count: field count = 2 changed from optional to singular [field-label-changed]',
    ]);
    expect(changes(lock, edited('map<string, string> labels = 1;', 'map<int32, string> labels = 1;'))).toEqual([
      'leap.media.v1.ThumbnailsMade.labels: field labels = 1 changed from map<string, ...> to map<int32, ...> [field-label-changed]',
    ]);
  });

  it('fires when a field moves in or out of a oneof', () => {
    expect(changes(lock, edited('    string path = 7;\n  }\n  string note = 8;', '  }\n  string path = 7;\n  string note = 8;'))).toEqual([
      'leap.media.v1.RecordingTrimmed.path: field path = 7 moved from oneof where to no oneof [field-oneof-changed]',
    ]);
  });

  it('fires when (leap.required) changes or a new field is required', () => {
    expect(changes(lock, edited('string recording_id = 1 [(leap.required) = true];', 'string recording_id = 1;'))).toEqual([
      'leap.media.v1.RecordingTrimmed.recording_id: field recording_id = 1 is no longer (leap.required) [field-required-changed]',
    ]);
    expect(changes(lock, edited('string note = 8;', 'string note = 8 [(leap.required) = true];'))).toEqual([
      'leap.media.v1.RecordingTrimmed.note: field note = 8 became (leap.required) [field-required-changed]',
    ]);
    expect(changes(lock, edited('  string note = 8;\n', '  string note = 8;\n  string owner = 9 [(leap.required) = true];\n'))).toEqual([
      'leap.media.v1.RecordingTrimmed.owner: new field owner = 9 is (leap.required); producers of the published version do not send it [required-field-added]',
    ]);
  });

  it('fires when an enum or an enum value is removed, renamed or renumbered', () => {
    expect(changes(lock, edited('enum Quality {', 'enum Resolution {').replace(/ Quality quality/, ' Resolution quality'))).toEqual([
      'leap.media.v1.RecordingTrimmed.quality: field quality = 5 changed type from leap.media.v1.Quality to leap.media.v1.Resolution [field-type-changed]',
      'leap.media.v1.Quality: enum leap.media.v1.Quality was removed or renamed [enum-removed]',
    ]);
    expect(changes(lock, edited('  QUALITY_HIGH = 2;\n', ''))).toEqual([
      'leap.media.v1.Quality.QUALITY_HIGH: enum value QUALITY_HIGH = 2 was removed without reserving it [enum-value-removed]',
    ]);
    expect(changes(lock, edited('  QUALITY_HIGH = 2;\n', '  reserved 2;\n'))).toEqual([]);
    expect(changes(lock, edited('QUALITY_HIGH = 2;', 'QUALITY_HIGH = 3;'))).toEqual([
      'leap.media.v1.Quality.QUALITY_HIGH: enum value QUALITY_HIGH was renumbered from 2 to 3 [enum-value-removed]',
    ]);
  });

  it('has a case above for every rule it documents (runs last among the rule cases)', () => {
    expect(Object.keys(BREAKING_RULES).filter((rule) => !fired.has(rule))).toEqual([]);
  });
});

describe('the lock', () => {
  it('only ever adds', () => {
    const older = snapshotOf(protoSet({ [FILE]: PUBLISHED }));
    const grown = protoSet({
      [FILE]: edited('  string note = 8;\n}', '  string note = 8;\n  int32 width = 9;\n}').replace('QUALITY_HIGH = 2;', 'QUALITY_HIGH = 2;\n  QUALITY_ULTRA = 3;'),
    });
    const merged = mergeLock(older, grown);
    expect(merged.messages['leap.media.v1.RecordingTrimmed'].fields['9']).toEqual({ name: 'width', type: 'int32', label: 'singular' });
    expect(merged.enums['leap.media.v1.Quality'].values).toEqual({ QUALITY_UNSPECIFIED: 0, QUALITY_LOW: 1, QUALITY_HIGH: 2, QUALITY_ULTRA: 3 });
    // A field that is later removed (and reserved) stays in the lock.
    const shrunk = protoSet({ [FILE]: edited('  string note = 8;\n', '  reserved 8;\n') });
    expect(mergeLock(merged, shrunk).messages['leap.media.v1.RecordingTrimmed'].fields['8']).toEqual({ name: 'note', type: 'string', label: 'singular' });
    expect(older.messages['leap.media.v1.RecordingTrimmed'].fields['9']).toBeUndefined();
  });

  it('serializes in a stable order and parses back', () => {
    const text = serializeLock(lock);
    expect(parseLock(text)).toEqual(JSON.parse(text));
    const shuffled: ProtoLock = { version: 1, messages: Object.fromEntries(Object.entries(lock.messages).reverse()), enums: lock.enums };
    expect(serializeLock(shuffled)).toBe(text);
    expect(() => parseLock('{"version":2}')).toThrow('not a version 1 proto lock');
    expect(serializeLock(emptyLock())).toBe('{\n  "version": 1,\n  "messages": {},\n  "enums": {}\n}\n');
  });

  it('holds every message of proto/, and proto/ breaks none of it', () => {
    const set = loadProtoDirectory(DEFAULT_PROTO_DIR, { keepCase: true });
    const committed = parseLock(fs.readFileSync(path.join(DEFAULT_PROTO_DIR, 'proto.lock.json'), 'utf8'));
    expect(checkBreakingChanges(committed, set).map(formatBreakingChange)).toEqual([]);
    // Anything new must be locked in the same change (libs/contracts/scripts/lock.ts).
    expect(serializeLock(mergeLock(committed, set))).toBe(serializeLock(committed));
  });
});
