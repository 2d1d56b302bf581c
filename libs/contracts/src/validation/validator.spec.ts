import { header, inlineCatalog } from '../test-support/protos';

const SAMPLE = {
  'leap/sample/v1/types.proto': `${header('leap.sample.v1', 'leap/options.proto')}
enum Color {
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
  COLOR_GREEN = 2;
}
message Part {
  string name = 1 [(leap.required) = true];
  int64 size_bytes = 2;
  Part child = 3;
}
`,
  'leap/sample/v1/events.proto': `${header(
    'leap.sample.v1',
    'google/protobuf/timestamp.proto',
    'google/protobuf/duration.proto',
    'google/protobuf/struct.proto',
    'google/protobuf/wrappers.proto',
    'google/protobuf/empty.proto',
    'leap/options.proto',
    'leap/sample/v1/types.proto',
  )}
message EverythingHappened {
  option (leap.message_type) = "sample.everything.happened.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;

  string id = 1 [(leap.required) = true];
  int32 count = 2;
  uint32 unsigned_count = 3;
  int64 big = 4;
  uint64 big_unsigned = 5;
  double ratio = 6;
  float small_ratio = 7;
  bool flag = 8;
  bytes blob = 9;
  Color color = 10;
  Color required_color = 11 [(leap.required) = true];
  Part part = 12;
  repeated Part parts = 13;
  repeated string tags = 14 [(leap.required) = true];
  map<string, int64> totals = 15;
  map<int32, Part> parts_by_number = 16;
  map<bool, string> by_flag = 17;
  google.protobuf.Timestamp at = 18;
  google.protobuf.Duration took = 19;
  google.protobuf.Struct extra = 20;
  google.protobuf.Value anything = 21;
  google.protobuf.StringValue maybe_name = 22;
  google.protobuf.Empty nothing = 23;
  optional int32 limit = 24;
  oneof destination {
    string url = 25;
    string location = 26;
  }
}
`,
};

const catalog = inlineCatalog(SAMPLE);
const validate = (data: unknown): string[] => catalog.getOrThrow('sample.everything.happened.v1').validate(data);
const valid = { id: 'e-1', requiredColor: 'COLOR_RED', tags: ['a'] };
const withField = (extra: Record<string, unknown>): string[] => validate({ ...valid, ...extra });

// The proto3 JSON mapping is checked by `fromJson` of @bufbuild/protobuf (unknown fields
// rejected); LEAP's stricter rules and `(leap.required)` by the validator itself. Either way a
// problem names the field by its path in the payload.
describe('validators (proto3 JSON mapping, strict)', () => {
  it('accepts a minimal payload and a payload using every field', () => {
    expect(validate(valid)).toEqual([]);
    expect(
      validate({
        ...valid,
        count: -5,
        unsignedCount: 4294967295,
        big: '-9223372036854775808',
        bigUnsigned: '18446744073709551615',
        ratio: 0.5,
        smallRatio: 0.25,
        flag: false,
        blob: 'aGVsbG8=',
        color: 'COLOR_GREEN',
        part: { name: 'p', sizeBytes: 12, child: { name: 'c', sizeBytes: '9007199254740993' } },
        parts: [{ name: 'x' }, { name: 'y' }],
        totals: { a: '1', b: 2 },
        partsByNumber: { '-3': { name: 'n' }, '7': { name: 'm' } },
        byFlag: { true: 'yes', false: 'no' },
        at: '2025-01-31T12:00:00.123456789+03:00',
        took: '1.5s',
        extra: { nested: [1, 'two', null, { deep: true }] },
        anything: null,
        maybeName: 'n',
        nothing: {},
        limit: 0,
        url: 'https://example.test/v',
      }),
    ).toEqual([]);
  });

  it('rejects a payload that is not an object', () => {
    expect(validate(null)).toEqual(['payload: expected object (leap.sample.v1.EverythingHappened), got null']);
    expect(validate([valid])).toEqual(['payload: expected object (leap.sample.v1.EverythingHappened), got an array']);
    expect(validate('x')).toEqual(['payload: expected object (leap.sample.v1.EverythingHappened), got "x"']);
  });

  it('reports missing and empty required fields', () => {
    expect(validate({})).toEqual(['id: required field is missing', 'requiredColor: required field is missing', 'tags: required field is missing']);
    expect(validate({ id: '', requiredColor: 'COLOR_UNSPECIFIED', tags: [] })).toEqual([
      'id: required field is empty',
      'requiredColor: required field must not be COLOR_UNSPECIFIED',
      'tags: required field has no entries',
    ]);
  });

  it('rejects unknown fields and points proto names to their JSON names', () => {
    expect(withField({ surprise: 1 })).toEqual(['surprise: unknown field in leap.sample.v1.EverythingHappened']);
    expect(withField({ unsigned_count: 1 })).toEqual(['unsigned_count: unknown field (the JSON name is unsignedCount)']);
    expect(withField({ part: { name: 'p', size_bytes: '1' } })).toEqual(['part.size_bytes: unknown field (the JSON name is sizeBytes)']);
  });

  it('treats undefined properties as absent', () => {
    expect(withField({ count: undefined, surprise: undefined })).toEqual([]);
  });

  it('checks 32-bit integers', () => {
    // A proto3 JSON parser accepts "5"; LEAP payloads carry numbers as numbers.
    expect(withField({ count: '5' })).toEqual(['count: expected int32 as a JSON number, got "5"']);
    expect(withField({ count: 1.5 })).toEqual(['count: expected number (int32), got 1.5']);
    expect(withField({ count: 2147483648 })).toEqual(['count: expected number (int32): 2147483648 out of range']);
    expect(withField({ unsignedCount: -1 })).toEqual(['unsignedCount: expected number (uint32): -1 out of range']);
  });

  it('checks 64-bit integers as decimal strings or safe integers', () => {
    expect(withField({ big: true })).toEqual(['big: expected int64 as a decimal string, got true']);
    expect(withField({ big: '12a' })).toEqual(['big: expected int64 as a decimal string, got "12a"']);
    expect(withField({ big: '9223372036854775808' })).toEqual(['big: int64 out of range, got 9223372036854775808']);
    // JSON.parse has already rounded such a number: the parser cannot see it, LEAP's rule can.
    expect(withField({ big: 2 ** 60 })).toEqual([`big: int64 beyond 2^53 must be a decimal string, got ${2 ** 60}`]);
    expect(withField({ bigUnsigned: '-1' })).toEqual(['bigUnsigned: uint64 out of range, got -1']);
    expect(withField({ bigUnsigned: '18446744073709551616' })).toEqual(['bigUnsigned: uint64 out of range, got 18446744073709551616']);
  });

  it('checks floating point numbers, booleans, strings and bytes', () => {
    const finite = 'expected double as a JSON number (a finite one: LEAP payloads never hold "NaN" or "Infinity")';
    expect(withField({ ratio: '0.5' })).toEqual([`ratio: ${finite}, got "0.5"`]);
    expect(withField({ ratio: 'Infinity' })).toEqual([`ratio: ${finite}, got "Infinity"`]);
    expect(withField({ smallRatio: 'NaN' })).toEqual(['smallRatio: expected float as a JSON number (a finite one: LEAP payloads never hold "NaN" or "Infinity"), got "NaN"']);
    expect(withField({ ratio: Number.POSITIVE_INFINITY })).toEqual(['ratio: unexpected infinite number']);
    expect(withField({ smallRatio: 1e39 })).toEqual(['smallRatio: expected number (float32): 1e+39 out of range']);
    expect(withField({ flag: 'true' })).toEqual(['flag: expected boolean, got "true"']);
    expect(withField({ id: 42 })).toEqual(['id: expected string, got 42']);
    expect(withField({ blob: 'not base64!' })).toEqual(['blob: invalid base64 string']);
    expect(withField({ blob: 'aGVsbG8' })).toEqual([]);
  });

  it('checks enums by value name', () => {
    expect(withField({ color: 1 })).toEqual(['color: expected leap.sample.v1.Color value name (COLOR_UNSPECIFIED, COLOR_RED, COLOR_GREEN), got 1']);
    expect(withField({ color: 'RED' })).toEqual(['color: expected leap.sample.v1.Color value name (COLOR_UNSPECIFIED, COLOR_RED, COLOR_GREEN), got "RED"']);
  });

  it('checks nested and recursive messages with their paths', () => {
    expect(withField({ part: 'p' })).toEqual(['part: expected object (leap.sample.v1.Part), got "p"']);
    expect(withField({ part: { child: { child: { name: 3 } } } })).toEqual([
      'part.name: required field is missing',
      'part.child.name: required field is missing',
      'part.child.child.name: expected string, got 3',
    ]);
  });

  it('checks repeated fields element by element', () => {
    expect(withField({ parts: { name: 'x' } })).toEqual(['parts: expected array, got an object']);
    expect(withField({ parts: [{ name: 'x' }, { name: 'y', sizeBytes: 'big' }, null] })).toEqual([
      'parts[1].sizeBytes: expected int64 as a decimal string, got "big"',
      'parts[2]: expected object (leap.sample.v1.Part), got null',
    ]);
    expect(withField({ tags: ['a', 1] })).toEqual(['tags[1]: expected string, got 1']);
    expect(withField({ tags: ['a', null] })).toEqual(['tags[1]: expected a value, got null']);
  });

  it('checks map keys and values', () => {
    expect(withField({ totals: [] })).toEqual(['totals: expected object (map), got an array']);
    // The parser reports the first bad entry of a map.
    expect(withField({ totals: { a: 'x', 'b c': false } })).toEqual(['totals.a: expected int64 as a decimal string, got "x"']);
    expect(withField({ totals: { 'b c': false } })).toEqual(['totals["b c"]: expected int64 as a decimal string, got false']);
    expect(withField({ partsByNumber: { one: { name: 'n' }, '5': {} } })).toEqual([
      'partsByNumber["5"].name: required field is missing',
      'partsByNumber: invalid map key: expected number (int32), got "one"',
    ]);
    expect(withField({ byFlag: { yes: 'y' } })).toEqual(['byFlag: invalid map key: expected boolean, got "yes"']);
  });

  it('checks Timestamps as RFC 3339 strings', () => {
    for (const at of ['2025-01-31T12:00:00Z', '2024-02-29T23:59:59.5Z', '2025-06-01T00:00:00-05:30']) expect(withField({ at })).toEqual([]);
    const wrong = 'expected RFC 3339 timestamp string such as "2025-01-31T12:00:00Z"';
    expect(withField({ at: 1738324800000 })).toEqual(['at: invalid google.protobuf.Timestamp: 1738324800000']);
    expect(withField({ at: '2025-01-31 12:00:00Z' })).toEqual(['at: invalid google.protobuf.Timestamp: invalid RFC 3339 string']);
    expect(withField({ at: '2025-01-31T12:00:00' })).toEqual(['at: invalid google.protobuf.Timestamp: invalid RFC 3339 string']);
    // The parser would roll these over into the next day or month.
    expect(withField({ at: '2025-02-29T12:00:00Z' })).toEqual([`at: ${wrong}, got the impossible time "2025-02-29T12:00:00Z"`]);
    expect(withField({ at: '2025-01-31T24:00:00Z' })).toEqual([`at: ${wrong}, got the impossible time "2025-01-31T24:00:00Z"`]);
  });

  it('checks the other well-known types', () => {
    expect(withField({ took: 90 })).toEqual(['took: invalid google.protobuf.Duration: 90']);
    expect(withField({ took: '1m' })).toEqual(['took: invalid google.protobuf.Duration: "1m"']);
    expect(withField({ extra: 'x' })).toEqual(['extra: invalid google.protobuf.Struct: "x"']);
    // JSON.stringify would send NaN as null: refused before it is sent.
    expect(withField({ extra: { n: Number.NaN } })).toEqual(['extra: expected a JSON value, got NaN']);
    expect(withField({ maybeName: 5 })).toEqual(['maybeName: expected string, got 5']);
    expect(withField({ nothing: { a: 1 } })).toEqual(['nothing: invalid google.protobuf.Empty: key "a" is unknown']);
  });

  it('allows at most one member of a oneof, and any proto3 optional value', () => {
    expect(withField({ location: '/exports/1' })).toEqual([]);
    expect(withField({ url: 'u', location: 'l' })).toEqual(['destination: oneof set multiple times by url and location']);
    expect(withField({ limit: 'none' })).toEqual(['limit: expected int32 as a JSON number, got "none"']);
  });

  it('refuses null (a parser reads it as absent): an absent field is left out', () => {
    expect(withField({ count: null })).toEqual(['count: null is not a value here; leave an absent field out']);
    expect(withField({ part: { name: 'p', child: null } })).toEqual(['part.child: null is not a value here; leave an absent field out']);
    expect(withField({ anything: null, extra: { n: null } })).toEqual([]);
  });

  it('reports every problem of a payload at once', () => {
    expect(validate({ id: 1, requiredColor: 'X', tags: 'a', part: { sizeBytes: [] }, what: 1 })).toHaveLength(6);
  });

  it('reuses the compiled validator and does not keep state between calls', () => {
    const def = catalog.getOrThrow('sample.everything.happened.v1');
    expect(def.validate({})).toHaveLength(3);
    expect(def.validate(valid)).toEqual([]);
    expect(def.validate({})).toHaveLength(3);
  });
});
