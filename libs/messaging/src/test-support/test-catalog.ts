import type { MessageCatalog, MessageDefinition } from '../catalog';

type FieldType = 'string' | 'number' | 'boolean';
interface Field {
  type: FieldType;
  required?: boolean;
}

function define(
  type: string,
  kind: MessageDefinition['kind'],
  schema: string,
  fields: Record<string, Field>,
  replyType?: string,
): MessageDefinition {
  return {
    type,
    kind,
    service: 'test',
    schema,
    replyType,
    validate(data: unknown): string[] {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['payload: expected an object'];
      const problems: string[] = [];
      const record = data as Record<string, unknown>;
      for (const [name, field] of Object.entries(fields)) {
        const value = record[name];
        if (value === undefined) {
          if (field.required) problems.push(`${name}: required`);
        } else if (typeof value !== field.type) problems.push(`${name}: expected ${field.type}`);
      }
      for (const name of Object.keys(record)) if (!(name in fields)) problems.push(`${name}: unknown field`);
      return problems;
    },
  };
}

/** A small catalogue for the messaging library's own tests (the platform's lives in @leap/contracts). */
export function testCatalog(): MessageCatalog {
  const defs = [
    define('test.thing.happened.v1', 'event', 'leap.test.v1.ThingHappened', {
      aggregateId: { type: 'string', required: true },
      seq: { type: 'number', required: true },
      note: { type: 'string' },
    }),
    define('test.do-thing.v1', 'command', 'leap.test.v1.DoThing', { aggregateId: { type: 'string', required: true } }),
    define('test.get-thing.v1', 'query', 'leap.test.v1.GetThing', { aggregateId: { type: 'string', required: true } }, 'test.thing-result.v1'),
    define('test.thing-result.v1', 'event', 'leap.test.v1.ThingResult', { aggregateId: { type: 'string', required: true }, count: { type: 'number', required: true } }),
  ];
  const map = new Map(defs.map((d) => [d.type, d]));
  return { get: (t) => map.get(t), all: () => defs };
}
