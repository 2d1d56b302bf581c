import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MessageCatalog as MessagingCatalog } from '@leap/messaging';
import { buildCatalog, DEFAULT_PROTO_DIR, loadCatalogFromProtoDirectory, loadCatalogFromProtoFiles } from './catalog';
import { catalog, jsonSchemaFor, validatePayload } from './default-catalog';
import { MESSAGE_TYPES, MessageTypes } from './generated/messages';
import type { RecordingTrimmed } from './generated/types';
import { header, inlineCatalog, protoSet } from './test-support/protos';

/** Every message of the first catalogue, as the walking skeleton uses them. */
const EXPECTED = [
  ['gateway.user.registered.v1', 'event', 'gateway', 'leap.gateway.v1.UserRegistered'],
  ['ingest.recording.register-uploaded.v1', 'command', 'ingest', 'leap.ingest.v1.RegisterUploadedRecording'],
  ['ingest.recording.delete.v1', 'command', 'ingest', 'leap.ingest.v1.DeleteRecording'],
  ['ingest.recording.registered.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingRegistered'],
  ['ingest.recording.status-changed.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingStatusChanged'],
  ['ingest.stage.status-changed.v1', 'event', 'ingest', 'leap.ingest.v1.StageStatusChanged'],
  ['ingest.recording.deleted.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingDeleted'],
  ['media.recording.trim.v1', 'command', 'media', 'leap.media.v1.TrimRecording'],
  ['media.recording.trimmed.v1', 'event', 'media', 'leap.media.v1.RecordingTrimmed'],
  ['media.processing.failed.v1', 'event', 'media', 'leap.media.v1.MediaProcessingFailed'],
  ['media.progress.v1', 'event', 'media', 'leap.media.v1.MediaProgress'],
  ['publishing.recording.publish.v1', 'command', 'publishing', 'leap.publishing.v1.PublishRecording'],
  ['publishing.recording.published.v1', 'event', 'publishing', 'leap.publishing.v1.RecordingPublished'],
  ['publishing.failed.v1', 'event', 'publishing', 'leap.publishing.v1.PublishingFailed'],
  ['quota.reservation.release.v1', 'command', 'quota', 'leap.quota.v1.ReleaseReservation'],
  ['quota.exceeded.v1', 'event', 'quota', 'leap.quota.v1.QuotaExceeded'],
  ['quota.usage.recorded.v1', 'event', 'quota', 'leap.quota.v1.UsageRecorded'],
  ['quota.recording.reserve.v1', 'query', 'quota', 'leap.quota.v1.ReserveRecording'],
  ['quota.reservation.decision.v1', 'reply', 'quota', 'leap.quota.v1.ReservationDecision'],
  ['storage.recording-objects.delete.v1', 'command', 'storage', 'leap.storage.v1.DeleteRecordingObjects'],
  ['storage.object.stored.v1', 'event', 'storage', 'leap.storage.v1.ObjectStored'],
  ['storage.recording-objects.deleted.v1', 'event', 'storage', 'leap.storage.v1.RecordingObjectsDeleted'],
  ['storage.usage.changed.v1', 'event', 'storage', 'leap.storage.v1.StorageUsageChanged'],
  ['transcription.recording.transcribe.v1', 'command', 'transcription', 'leap.transcription.v1.TranscribeRecording'],
  ['transcription.topics.extract.v1', 'command', 'transcription', 'leap.transcription.v1.ExtractTopics'],
  ['transcription.subtitles.generate.v1', 'command', 'transcription', 'leap.transcription.v1.GenerateSubtitles'],
  ['transcription.recording.transcribed.v1', 'event', 'transcription', 'leap.transcription.v1.RecordingTranscribed'],
  ['transcription.topics.extracted.v1', 'event', 'transcription', 'leap.transcription.v1.TopicsExtracted'],
  ['transcription.subtitles.generated.v1', 'event', 'transcription', 'leap.transcription.v1.SubtitlesGenerated'],
  ['transcription.failed.v1', 'event', 'transcription', 'leap.transcription.v1.TranscriptionFailed'],
];

const trimmed: RecordingTrimmed = {
  recordingId: '0190f5c2-7d1e-7c3a-9a4b-1f2e3d4c5b6a',
  userId: '0190f5c2-7d1e-7c3a-9a4b-000000000001',
  video: { key: 'users/u/recordings/r/video.mp4', sizeBytes: '1048576', kind: 'OBJECT_KIND_VIDEO', contentType: 'video/mp4' },
  audio: { key: 'users/u/recordings/r/audio.mp3', sizeBytes: '65536', kind: 'OBJECT_KIND_AUDIO' },
  sourceDurationSeconds: 3600,
  trimmedDurationSeconds: 3500.5,
  trimmedHeadSeconds: 60,
  trimmedTailSeconds: 39.5,
};

describe('the platform catalogue', () => {
  it('defines every message of the pipeline with its kind, service and proto message', () => {
    expect(catalog.all().map((d) => [d.type, d.role, d.service, d.schema])).toEqual(EXPECTED);
  });

  it('routes events to <prefix>.events and commands and queries to <prefix>.commands', () => {
    const trim = catalog.getOrThrow('media.recording.trim.v1');
    expect(trim).toMatchObject({ kind: 'command', service: 'media', app: 'media-processing', exchange: 'media.commands', routingKey: 'media.recording.trim.v1' });
    expect(catalog.getOrThrow('media.recording.trimmed.v1')).toMatchObject({ kind: 'event', exchange: 'media.events', package: 'leap.media.v1', version: 1 });
    for (const def of catalog.all()) {
      if (def.role === 'event') expect(def.exchange).toBe(`${def.service}.events`);
      else if (def.role === 'reply') expect(def.exchange).toBeUndefined();
      else expect(def.exchange).toBe(`${def.service}.commands`);
    }
  });

  it('links a query to its reply both ways', () => {
    expect(catalog.getOrThrow('quota.recording.reserve.v1')).toMatchObject({ kind: 'query', role: 'query', replyType: 'quota.reservation.decision.v1' });
    expect(catalog.getOrThrow('quota.reservation.decision.v1')).toMatchObject({ kind: 'query', role: 'reply', requestType: 'quota.recording.reserve.v1' });
    expect(catalog.getOrThrow('quota.reservation.decision.v1').replyType).toBeUndefined();
  });

  it('is assignable to the messaging library catalogue', () => {
    const forBus: MessagingCatalog = catalog;
    expect(forBus.get('media.recording.trimmed.v1')?.schema).toBe('leap.media.v1.RecordingTrimmed');
    expect(forBus.get('nope.v1')).toBeUndefined();
    expect(() => catalog.getOrThrow('nope.v1')).toThrow('No contract defines the message type nope.v1');
  });

  it('validates payloads built with the generated types', () => {
    expect(validatePayload(MESSAGE_TYPES.media.RecordingTrimmed, trimmed)).toEqual([]);
    expect(validatePayload('media.recording.trimmed.v1', { ...trimmed, video: { ...trimmed.video, sizeBytes: 1.5 } })).toEqual([
      'video.sizeBytes: expected int64 string or integer, got 1.5',
    ]);
    expect(() => validatePayload('media.recording.trimmed.v2', trimmed)).toThrow('No contract defines the message type media.recording.trimmed.v2');
  });

  it('exposes field documentation from the proto', () => {
    const fields = catalog.getOrThrow('publishing.recording.published.v1').fields;
    expect(fields.find((f) => f.jsonName === 'url')).toEqual({
      jsonName: 'url',
      number: 5,
      protoType: 'string',
      repeated: false,
      map: false,
      required: false,
      oneof: 'destination',
      description: 'Public URL of the published video.',
    });
    expect(fields.find((f) => f.jsonName === 'publishedAt')).toMatchObject({ protoType: 'google.protobuf.Timestamp', required: true });
    expect(catalog.getOrThrow('publishing.recording.publish.v1').fields.find((f) => f.jsonName === 'variables')).toMatchObject({
      protoType: 'map<string, string>',
      map: true,
      repeated: false,
    });
  });

  it('has the message type constants by service prefix', () => {
    expect(MESSAGE_TYPES.media.RecordingTrimmed).toBe('media.recording.trimmed.v1');
    expect(MessageTypes.quota.ReserveRecording).toBe('quota.recording.reserve.v1');
    const all = Object.values(MESSAGE_TYPES).flatMap((byName) => Object.values(byName));
    expect(all.sort()).toEqual(catalog.all().map((d) => d.type).sort());
  });

  it('matches a catalogue parsed straight from proto/', () => {
    const fromSources = loadCatalogFromProtoDirectory(DEFAULT_PROTO_DIR);
    expect(fromSources.all().map(({ validate: _v, ...rest }) => rest)).toEqual(catalog.all().map(({ validate: _v, ...rest }) => rest));
    const broken = { ...trimmed, audio: { key: '', size_bytes: '1' } };
    expect(fromSources.getOrThrow('media.recording.trimmed.v1').validate(broken)).toEqual(catalog.getOrThrow('media.recording.trimmed.v1').validate(broken));
  });

  it('gives a self-contained JSON Schema per message type', () => {
    const schema = jsonSchemaFor('media.recording.trimmed.v1');
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'RecordingTrimmed',
      type: 'object',
      additionalProperties: false,
      required: ['recordingId', 'userId', 'video', 'audio'],
    });
    expect((schema.properties as Record<string, unknown>).video).toEqual({
      description: 'The processed video (the source object itself when there was nothing to cut).',
      allOf: [{ $ref: '#/definitions/leap.common.v1.ObjectRef' }],
    });
    expect(Object.keys(schema.definitions as object)).toEqual(['leap.common.v1.ObjectRef', 'leap.common.v1.ObjectKind']);
    expect(jsonSchemaFor('media.recording.trimmed.v1')).toBe(schema);
  });
});

describe('catalogues of other protos', () => {
  const sources = {
    'leap/test/v1/events.proto': `${header('leap.test.v1', 'leap/options.proto')}
message ThingHappened {
  option (leap.message_type) = "test.thing.happened.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
  string aggregate_id = 1 [(leap.required) = true];
}
message NotAContract { string note = 1; }
`,
  };

  it('builds from inline sources, ignoring messages without a message type', () => {
    const inline = inlineCatalog(sources);
    expect(inline.all().map((d) => d.type)).toEqual(['test.thing.happened.v1']);
    expect(inline.getOrThrow('test.thing.happened.v1')).toMatchObject({ service: 'test', app: 'test', exchange: 'test.events' });
    expect(inline.getOrThrow('test.thing.happened.v1').validate({ aggregateId: 'a' })).toEqual([]);
  });

  it('builds from files on disk, resolving leap/options.proto from proto/', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leap-contracts-'));
    try {
      const file = path.join(dir, 'leap/test/v1/events.proto');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, sources['leap/test/v1/events.proto']);
      const fromFiles = loadCatalogFromProtoFiles([file], { protoRoot: dir });
      expect(fromFiles.get('test.thing.happened.v1')?.validate({ aggregate_id: 'a' })).toEqual([
        'aggregateId: required field is missing',
        'aggregate_id: unknown field (the JSON name is aggregateId)',
      ]);
      expect(loadCatalogFromProtoFiles([{ path: 'leap/test/v1/events.proto', text: sources['leap/test/v1/events.proto'] }]).all()).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses contracts that contradict each other', () => {
    const broken = protoSet({
      'leap/test/v1/queries.proto': `${header('leap.test.v1', 'leap/options.proto')}
message GetThing {
  option (leap.message_type) = "test.get-thing.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
}
message AskThing {
  option (leap.message_type) = "test.ask-thing.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
  option (leap.reply_type) = "test.get-thing.v1";
}
message Again {
  option (leap.message_type) = "test.get-thing.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
}
message NoKind {
  option (leap.message_type) = "test.no-kind.v1";
}
message BadType {
  option (leap.message_type) = "Test.Bad";
  option (leap.kind) = MESSAGE_KIND_EVENT;
}
`,
    });
    expect(() => buildCatalog(broken.root)).toThrow(
      [
        'The contract catalogue is inconsistent:',
        '  - leap.test.v1.GetThing: a query must name its reply with (leap.reply_type)',
        '  - leap.test.v1.Again: message type test.get-thing.v1 is also declared by leap.test.v1.GetThing',
        '  - leap.test.v1.NoKind: (leap.kind) is missing',
        '  - leap.test.v1.BadType: message type "Test.Bad" is not <service>.<name>.v<N>',
        '  - leap.test.v1.AskThing: reply type test.get-thing.v1 is not a reply message',
      ].join('\n'),
    );
  });
});
