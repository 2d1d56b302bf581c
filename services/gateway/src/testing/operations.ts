/**
 * The operations of a running gateway, read from the OpenAPI document it serves, for the suites
 * that guard every route (robustness, isolation, access). A route that lands is in the document
 * (openapi.int-spec.ts fails otherwise), so these suites cover it the same day.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reply } from './http';

type Doc = Record<string, any>;

/** One query, path or header parameter of an operation. */
export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Doc;
}

/** One operation as the suites use it. */
export interface Operation {
  /** `GET /api/v1/recordings/{id}` */
  key: string;
  method: string;
  path: string;
  parameters: OperationParameter[];
  /** The request body's content type and schema, when the operation takes one. */
  body?: { contentType: string; schema: Doc };
  isPublic: boolean;
  /** `read`, `write` or `admin` for private operations. */
  scope?: 'read' | 'write' | 'admin';
  adminOnly: boolean;
}

/** Follows a local `$ref`. */
function resolve(document: Doc, value: Doc): Doc {
  if (typeof value.$ref !== 'string') return value;
  return (value.$ref as string)
    .slice(2)
    .split('/')
    .reduce((node: Doc, part) => node[part], document);
}

/** Every operation of the document the gateway at `base` serves. */
export async function servedOperations(base: string): Promise<Operation[]> {
  const response = await fetch(`${base}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as Doc;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Doc>)) {
    for (const [method, operation] of Object.entries(item as Record<string, Doc>)) {
      const content = operation.requestBody?.content as Record<string, { schema: Doc }> | undefined;
      const contentType = content && Object.keys(content)[0];
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: ((operation.parameters ?? []) as Doc[]).map((p) => resolve(document, p) as OperationParameter),
        body: contentType ? { contentType, schema: content![contentType]!.schema } : undefined,
        isPublic: (operation.security as unknown[]).length === 0,
        scope: operation['x-leap-scope'],
        adminOnly: operation['x-leap-admin-only'] === true,
      });
    }
  }
  return operations.sort((a, b) => a.key.localeCompare(b.key));
}

/** The operation's path with its parameters filled in (each value is put in as given: encode it first). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for the path parameter {${name}} of ${path}`);
    return values[name]!;
  });
}

/**
 * A query string with a valid value for each required query parameter (its enum's first value,
 * its default or example), so a call reaches the route's own checks: `?type=original`.
 */
export function requiredQuery(operation: Operation): string {
  const pairs = operation.parameters
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => {
      const schema = p.schema as { enum?: unknown[]; default?: unknown; example?: unknown; type?: string };
      const value = schema.enum?.[0] ?? schema.default ?? schema.example ?? (schema.type === 'integer' || schema.type === 'number' ? 1 : 'x');
      return `${encodeURIComponent(p.name)}=${encodeURIComponent(String(value))}`;
    });
  return pairs.length > 0 ? `?${pairs.join('&')}` : '';
}

/**
 * Valid values for the path parameters that are not ids (an enumerated `{type}`, say), from
 * their schemas, so that a suite testing the id sees only the id fail.
 */
export function enumeratedPathValues(operation: Operation): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of operation.parameters.filter((q) => q.in === 'path')) {
    const schema = (p.schema ?? {}) as { enum?: unknown[]; example?: unknown };
    const value = schema.enum?.[0] ?? schema.example;
    if (value !== undefined) values[p.name] = String(value);
  }
  return values;
}

/**
 * The smallest JSON body the operation's schema accepts: each required property with its first
 * enum value, default or example (objects filled the same way), so that a suite testing an id
 * is not stopped earlier by the body.
 */
export function minimalBody(operation: Operation): Record<string, unknown> {
  const fill = (schema: Doc): unknown => {
    if (schema.enum) return (schema.enum as unknown[])[0];
    if (schema.default !== undefined) return schema.default;
    if (schema.example !== undefined) return schema.example;
    if (schema.type === 'object') {
      const properties = (schema.properties ?? {}) as Record<string, Doc>;
      return Object.fromEntries(((schema.required ?? []) as string[]).map((name) => [name, fill(properties[name] ?? {})]));
    }
    if (schema.type === 'integer' || schema.type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 1;
    if (schema.type === 'boolean') return false;
    if (schema.type === 'array') return [];
    return 'x';
  };
  const schema = operation.body?.contentType === 'application/json' ? operation.body.schema : undefined;
  return schema ? (fill(schema) as Record<string, unknown>) : {};
}

/** The path parameter names of an operation. */
export function pathParameters(operation: Operation): string[] {
  return operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
}

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Every problem code docs/api.md lists, with its status. */
export function documentedProblemCodes(): Map<string, number> {
  const api = readFileSync(join(REPO_ROOT, 'docs/api.md'), 'utf8');
  const table = api.slice(api.indexOf('## Every problem code'));
  return new Map([...table.matchAll(/^\| `([A-Z_]+(?:\.[A-Z_]+)?)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/**
 * What every answer must be, whatever was sent: never a 5xx other than a documented unavailable
 * dependency, and every error a problem (`application/problem+json`) with a documented code and
 * its documented status. Answers with the facts that differ (empty when all is well), so a suite
 * can report every bad case at once.
 */
export function answerFaults(reply: Pick<Reply, 'status' | 'headers' | 'body'>, codes: Map<string, number>): string[] {
  const faults: string[] = [];
  if (reply.status >= 500 && reply.status !== 503) faults.push(`status ${reply.status}`);
  if (reply.status < 400) return faults;
  const type = reply.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) faults.push(`content type "${type}"`);
  const code = reply.body?.code as string | undefined;
  if (!code || !codes.has(code)) faults.push(`code ${code} not in docs/api.md`);
  else if (codes.get(code) !== reply.status) faults.push(`code ${code} documented as ${codes.get(code)}, answered ${reply.status}`);
  if (reply.body?.status !== reply.status) faults.push(`body status ${reply.body?.status}`);
  if (!reply.body?.requestId || reply.body.requestId !== reply.headers.get('x-request-id')) faults.push('no request id');
  return faults;
}
