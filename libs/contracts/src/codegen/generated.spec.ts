import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../default-catalog';
import { compileSources, header } from '../test-support/protos';
import { buildCatalog } from '../catalog';
import { ARTIFACT_PATHS, generateArtifacts, PB_DIR, REPO_ROOT, staleArtifacts } from './artifacts';
import { generatePayloadsFile } from './typescript';
import { toYaml } from './yaml';

type Doc = Record<string, any>;

// js-yaml (through eslint) ships no type declarations; only its loader is needed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

describe('generated files', () => {
  const files = generateArtifacts();

  it('are up to date with proto/ (run npm run contracts:generate)', () => {
    const own = [...files.keys()].filter((file) => !file.startsWith(`${PB_DIR}/`));
    expect(own.sort()).toEqual(Object.values(ARTIFACT_PATHS).sort());
    expect(files.get(`${PB_DIR}/leap/media/v1/events_pb.ts`)).toContain('export type RecordingTrimmedJson = {');
    for (const [file, content] of files) {
      expect({ file, content: fs.readFileSync(path.join(REPO_ROOT, file), 'utf8') }).toEqual({ file, content });
    }
    expect(staleArtifacts(files)).toEqual([]);
  });

  it('are deterministic', () => {
    expect(generateArtifacts()).toEqual(files);
  });

  it('describe the bus as an AsyncAPI 3.0 document', () => {
    const doc = yaml.load(files.get(ARTIFACT_PATHS.asyncapi)!) as Doc;
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.defaultContentType).toBe('application/json');
    expect(doc.servers.rabbitmq).toMatchObject({ protocol: 'amqp', protocolVersion: '0.9.1' });

    expect(doc.channels['media.recording.trimmed.v1']).toEqual({
      address: 'media.recording.trimmed.v1',
      title: 'RecordingTrimmed',
      description: 'Topic exchange media.events, routing key media.recording.trimmed.v1.',
      messages: { RecordingTrimmed: { $ref: '#/components/messages/media.recording.trimmed.v1' } },
      bindings: {
        amqp: {
          is: 'routingKey',
          exchange: { name: 'media.events', type: 'topic', durable: true, autoDelete: false, vhost: '/' },
          bindingVersion: '0.3.0',
        },
      },
    });
    expect(doc.channels['media.recording.trim.v1'].bindings.amqp.exchange).toMatchObject({ name: 'media.commands', type: 'direct' });
    expect(doc.channels['quota.reservation.decision.v1']).toMatchObject({ address: null });

    expect(doc.operations['media.recording.trimmed.v1.publish']).toMatchObject({ action: 'send', channel: { $ref: '#/channels/media.recording.trimmed.v1' } });
    expect(doc.operations['media.recording.trim.v1.handle']).toMatchObject({ action: 'receive', tags: [{ name: 'media-processing' }] });
    expect(doc.operations['quota.recording.reserve.v1.handle'].reply).toEqual({
      address: { location: '$message.header#/replyTo', description: 'The reply-to address of the request.' },
      channel: { $ref: '#/channels/quota.reservation.decision.v1' },
      messages: [{ $ref: '#/channels/quota.reservation.decision.v1/messages/ReservationDecision' }],
    });

    const message = doc.components.messages['media.recording.trimmed.v1'];
    expect(message).toMatchObject({ name: 'media.recording.trimmed.v1', contentType: 'application/json', payload: { $ref: '#/components/schemas/leap.media.v1.RecordingTrimmed' } });
    expect(doc.components.schemas['leap.media.v1.RecordingTrimmed'].properties.video.allOf).toEqual([{ $ref: '#/components/schemas/leap.common.v1.ObjectRef' }]);
    expect(doc.components.schemas['leap.common.v1.ObjectKind'].enum).toContain('OBJECT_KIND_VIDEO');
  });

  it('has a channel, a message and (except replies) an operation per message type, and every reference resolves', () => {
    const doc = yaml.load(files.get(ARTIFACT_PATHS.asyncapi)!) as Doc;
    const types = catalog.all().map((d) => d.type);
    expect(Object.keys(doc.channels)).toEqual(types);
    expect(Object.keys(doc.components.messages)).toEqual(types);
    expect(Object.keys(doc.operations)).toHaveLength(types.length - catalog.all().filter((d) => d.role === 'reply').length);
    const refs: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (key === '$ref' && typeof child === 'string') refs.push(child);
          else collect(child);
        }
      }
    };
    collect(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect({ ref, resolved: target !== undefined }).toEqual({ ref, resolved: true });
    }
  });

  it('list every message in the catalogue document', () => {
    const markdown = files.get(ARTIFACT_PATHS.events)!;
    for (const def of catalog.all()) expect(markdown).toContain(`### ${def.type}\n`);
    expect(markdown).toContain('| `sizeBytes` | int64 (decimal string) | yes | Size of the object in bytes. |');
    expect(markdown).toContain('| [media-processing](#media-processing) | `media` | `media.events` | `media.commands` | 6 |');
  });

  it('refuse two protos that would share a TypeScript name', () => {
    const registry = compileSources({
      'leap/media/v1/types.proto': `${header('leap.media.v1')}message Job { string id = 1; }`,
      'leap/storage/v1/types.proto': `${header('leap.storage.v1')}message Job { string id = 1; }`,
    });
    expect(() => generatePayloadsFile(registry, buildCatalog(registry))).toThrow('leap.storage.v1.Job and leap.media.v1.Job would both be the TypeScript type Job; rename one');
  });

  it('name later versions and nested types apart, on the JSON types of protoc-gen-es', () => {
    const registry = compileSources({
      'leap/media/v2/types.proto': `${header('leap.media.v2', 'leap/options.proto')}message Job { message Step { string id = 1 [(leap.required) = true]; } Step step = 1; }`,
    });
    const payloads = generatePayloadsFile(registry, buildCatalog(registry));
    expect(payloads).toContain("import * as media_v2_types from './pb/leap/media/v2/types_pb';");
    expect(payloads).toContain("export interface JobV2 extends Omit<media_v2_types.JobJson, 'step'> {\n  step?: JobV2_Step;\n}");
    expect(payloads).toContain("export interface JobV2_Step extends Omit<media_v2_types.Job_StepJson, 'id'> {\n  id: NonNullable<media_v2_types.Job_StepJson['id']>;\n}");
  });
});

describe('toYaml', () => {
  it('writes YAML that reads back as the same data', () => {
    const data = {
      plain: 'text with spaces, commas (and parentheses)',
      quoted: ['true', 'null', '3.0.0', '#hash', 'a: b', ' lead', 'trail ', '', '$ref', "it's", 'x\\y', '- dash', '@at', '`tick`'],
      multi: 'first line\n\nthird line',
      numbers: [0, -1.5, 1e21],
      flags: { yes: true, no: false, nothing: null },
      empty: { object: {}, list: [] },
      nested: [{ a: 1, b: [{ c: 'd' }] }, [1, 2], 'x'],
      '$ref': '#/components/schemas/leap.common.v1.ObjectRef',
    };
    expect(yaml.load(toYaml(data))).toEqual(data);
  });
});
