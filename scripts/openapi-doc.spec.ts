import { existsSync, readFileSync } from 'node:fs';
import { buildOfflineOpenApiDocument, serializeOpenApi } from '../services/gateway/src/openapi/offline-document';
import type { OpenApiDocument } from '../services/gateway/src/openapi/openapi-document';
import { OPENAPI_PATH } from './export-openapi';

type Operations = Map<string, string>;

function operationsOf(document: Pick<OpenApiDocument, 'paths'>): Operations {
  const operations: Operations = new Map();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) operations.set(`${method.toUpperCase()} ${path}`, JSON.stringify(operation));
  }
  return operations;
}

/** Undefined when the committed file is what the code generates now, else what differs and how to fix it. */
function staleness(committed: string | undefined, current: string): string | undefined {
  if (committed === current) return undefined;
  const fix = 'docs/openapi.json is out of date with the gateway code: run `npm run openapi:export` and commit docs/openapi.json.';
  if (committed === undefined) return `${fix}\nThe file does not exist.`;
  let before: Operations;
  try {
    before = operationsOf(JSON.parse(committed) as OpenApiDocument);
  } catch {
    return `${fix}\nThe committed file is not valid JSON.`;
  }
  const after = operationsOf(JSON.parse(current) as OpenApiDocument);
  const lines = [
    ...[...after.keys()].filter((k) => !before.has(k)).map((k) => `  missing from the file: ${k}`),
    ...[...before.keys()].filter((k) => !after.has(k)).map((k) => `  no longer in the code: ${k}`),
    ...[...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).map((k) => `  changed: ${k}`),
  ];
  return [fix, ...(lines.length > 0 ? lines : ['  (info, components or formatting differ)'])].join('\n');
}

describe('docs/openapi.json', () => {
  it('is the document the gateway code produces now (else run `npm run openapi:export`)', async () => {
    const current = serializeOpenApi(await buildOfflineOpenApiDocument());
    const committed = existsSync(OPENAPI_PATH) ? readFileSync(OPENAPI_PATH, 'utf8') : undefined;
    expect(staleness(committed, current)).toBeUndefined();
  });

  it('is generated deterministically', async () => {
    const first = serializeOpenApi(await buildOfflineOpenApiDocument());
    expect(serializeOpenApi(await buildOfflineOpenApiDocument())).toBe(first);
    expect(first.endsWith('}\n')).toBe(true);
    expect(first).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });
});
