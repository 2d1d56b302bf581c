import type { Type } from '@nestjs/common';
import type { ZodTypeAny } from 'zod';
import type { ModulesContainer } from '@nestjs/core';
import { problemTitle, problemType } from '../common/problem-details';
import type { ApiResponseDoc } from '../common/api-doc';
import { components, HEADER_NAMES, jsonSchemaOf, PARAMETER_NAMES, PRIVATE_SECURITY, ref, type Json, type JsonObject } from './components';
import { OPERATION_METHODS, routesOf, type RouteInfo } from './routes';

/** An OpenAPI 3.1 document. */
export type OpenApiDocument = JsonObject & { openapi: '3.1.0'; paths: Record<string, Record<string, JsonObject>> };

export interface OpenApiOptions {
  /** `info.version`: the service version (the root package.json version unless configured otherwise). */
  version: string;
}

const INFO_DESCRIPTION = [
  'The public HTTP API of LEAP: accounts and sessions, API keys, recordings and their artifacts.',
  '',
  '**Authentication.** Private operations accept an access token (`Authorization: Bearer <jwt>`), an API key (`Authorization: Bearer leap_...`) or the `access_token` session cookie (with `X-CSRF-Token` on unsafe methods).',
  '',
  '**Errors** are RFC 9457 problem details (`application/problem+json`) with a stable `code`; each operation lists the codes it can answer with.',
  '',
  '**Rate limits** are announced in `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a 429 carries `Retry-After`.',
  '',
  '**Lists** take `page`, `pageSize` (at most 100), `sort` (`-field` for descending) and filters, and answer `{items, page, pageSize, total, totalPages}`.',
].join('\n');

const TAG_DESCRIPTIONS: Record<string, string> = {
  Health: 'Liveness and readiness of the service, for orchestrators and load balancers.',
};

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);

/** Every controller the application registered, in the order Nest scanned them. */
export function controllersIn(modules: ModulesContainer): Type<unknown>[] {
  const controllers: Type<unknown>[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as Type<unknown> | null;
      if (type && !controllers.includes(type)) controllers.push(type);
    }
  }
  return controllers;
}

/** Builds the document of every route of `controllers`. The same input gives byte-identical output. */
export function buildOpenApiDocument(controllers: Type<unknown>[], options: OpenApiOptions): OpenApiDocument {
  const routes = uniqueRoutes(controllers.flatMap(routesOf));
  const operationIds = assignOperationIds(routes);
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operationOf(route, operationIds.get(route)!);
  const tags: Json[] = [...new Set(routes.map((r) => tagOf(r)))].sort().map((name): Json => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name]! } : { name }));
  return {
    openapi: '3.1.0',
    info: { title: 'LEAP API', version: options.version, description: INFO_DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    servers: [{ url: '/' }],
    security: PRIVATE_SECURITY,
    tags,
    paths,
    components: components(),
  };
}

/** One route per path and method (the first registered wins, as in Express), sorted by path then method. */
function uniqueRoutes(routes: RouteInfo[]): RouteInfo[] {
  const seen = new Map<string, RouteInfo>();
  for (const route of routes) if (!seen.has(`${route.path} ${route.method}`)) seen.set(`${route.path} ${route.method}`, route);
  const order = (r: RouteInfo) => OPERATION_METHODS.indexOf(r.method);
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : order(a) - order(b)));
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** `recordingsUpload`: controller name without `Controller`, then the method; numbered when taken. */
function assignOperationIds(routes: RouteInfo[]): Map<RouteInfo, string> {
  const ids = new Map<RouteInfo, string>();
  const taken = new Set<string>();
  for (const route of routes) {
    const base = `${lowerFirst(route.controller.name.replace(/Controller$/, ''))}${upperFirst(route.handler)}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    ids.set(route, id);
  }
  return ids;
}

/** Tags start with a capital letter, however a route spells them (`auth` and `Auth` are one group). */
const tagOf = (route: RouteInfo) => upperFirst(route.doc?.tag ?? route.defaultTag);

/** `subtitlesSrt` → `Subtitles srt`: the summary of a route nobody described. */
function sentence(handler: string): string {
  return upperFirst(handler.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase());
}

function operationOf(route: RouteInfo, operationId: string): JsonObject {
  const doc = route.doc;
  const isPrivate = route.guarded && !route.isPublic;
  const operation: JsonObject = {
    operationId,
    tags: [tagOf(route)],
    summary: doc?.summary ?? sentence(route.handler),
    description: describe(route),
  };
  const parameters = parametersOf(route);
  if (parameters.length > 0) operation.parameters = parameters;
  const body = requestBodyOf(route);
  if (body) operation.requestBody = body;
  operation.responses = responsesOf(route);
  operation.security = isPrivate ? PRIVATE_SECURITY : [];
  if (isPrivate) operation['x-leap-scope'] = route.scope;
  if (route.adminOnly) operation['x-leap-admin-only'] = true;
  if (route.flag) operation['x-leap-flag'] = route.flag;
  if (route.idempotent) operation['x-leap-idempotent'] = true;
  operation['x-leap-rate-limit'] = route.rateLimit;
  return operation;
}

/** The route's own description, then what the access guard asks of the caller. */
function describe(route: RouteInfo): string {
  const notes: string[] = [];
  if (route.doc?.description) notes.push(route.doc.description);
  if (!route.guarded || route.isPublic) notes.push('**Access:** public, no credential needed.');
  else if (route.adminOnly) notes.push('**Access:** administrators only (role `admin`); an API key needs the `admin` scope.');
  else notes.push(`**Access:** needs the \`${route.scope}\` scope.`);
  if (route.flag) notes.push(`**Feature:** the account needs the \`${route.flag}\` feature turned on, else 403 \`FEATURE.DISABLED\`.`);
  if (route.idempotent) {
    notes.push(
      '**Idempotent:** send an `Idempotency-Key` header; a retry with the same key and body replays the first answer, the same key with another body is 422 `IDEMPOTENCY.KEY_REUSED`.',
    );
  }
  if (route.rateLimit === 'none') notes.push('**Rate limit:** none.');
  else if (route.rateLimit === 'credentials') notes.push('**Rate limit:** the credentials budget, counted per client address as well.');
  else notes.push('**Rate limit:** the caller\'s API budget (per API key, per user, or per client address when anonymous).');
  return notes.join('\n\n');
}

function parametersOf(route: RouteInfo): Json[] {
  const parameters: Json[] = route.pathParams.map((name) => {
    const doc = route.doc?.params?.[name];
    const description = typeof doc === 'string' ? doc : doc?.description;
    return {
      name,
      in: 'path',
      required: true,
      ...(description ? { description } : {}),
      schema: (typeof doc === 'object' ? { type: 'string', enum: [...doc.enum] } : { type: 'string' }) as Json,
    };
  });
  for (const [name, schema] of Object.entries(route.doc?.query?.shape ?? {}) as [string, ZodTypeAny][]) {
    const { description: schemaDescription, ...json } = jsonSchemaOf(schema);
    const description = schema.description ?? (typeof schemaDescription === 'string' ? schemaDescription : undefined);
    parameters.push({ name, in: 'query', required: !schema.isOptional(), ...(description ? { description } : {}), schema: json });
  }
  for (const [name, header] of Object.entries(route.doc?.headers ?? {})) {
    parameters.push({ name, in: 'header', required: header.required ?? false, description: header.description, schema: (header.schema ?? { type: 'string' }) as Json });
  }
  if (route.idempotent) parameters.push(ref('parameters', PARAMETER_NAMES.idempotencyKey));
  if (route.guarded && !route.isPublic && UNSAFE.has(route.method)) parameters.push(ref('parameters', PARAMETER_NAMES.csrfToken));
  return parameters;
}

function requestBodyOf(route: RouteInfo): JsonObject | undefined {
  const doc = route.doc;
  if (doc?.body) return { required: !doc.body.isOptional(), content: { 'application/json': { schema: jsonSchemaOf(doc.body) } } };
  if (doc?.rawBody) {
    const { contentType, schema, description } = doc.rawBody;
    return { required: true, ...(description ? { description } : {}), content: { [contentType]: { schema: schema as JsonObject } } };
  }
  return undefined;
}

/** The problem codes a route can answer with, by status: the guard's, the validation's, its own. */
function problemCodes(route: RouteInfo): Map<number, string[]> {
  const codes = new Map<number, Set<string>>();
  const add = (status: number, ...list: string[]) => {
    const set = codes.get(status) ?? new Set<string>();
    for (const code of list) set.add(code);
    codes.set(status, set);
  };
  const doc = route.doc;
  if (doc?.body || doc?.rawBody) add(400, 'REQUEST.MALFORMED', 'VALIDATION.FAILED');
  if (doc?.query || route.idempotent) add(400, 'VALIDATION.FAILED');
  // RequestInputInterceptor: a path parameter must stay one segment once decoded.
  if (route.pathParams.length > 0) add(400, 'STORAGE.UNSAFE_PATH');
  if (route.guarded && !route.isPublic) {
    add(401, 'AUTH.UNAUTHENTICATED');
    add(403, 'AUTH.ACCOUNT_DISABLED', 'AUTH.INSUFFICIENT_SCOPE');
    if (UNSAFE.has(route.method)) add(403, 'AUTH.CSRF_FAILED');
    if (route.adminOnly) add(403, 'AUTH.ADMIN_REQUIRED');
    if (route.flag) add(403, 'FEATURE.DISABLED');
  }
  if (route.idempotent) add(422, 'IDEMPOTENCY.KEY_REUSED');
  if (route.guarded && route.rateLimit !== 'none') add(429, 'RATE_LIMIT.EXCEEDED');
  add(500, 'INTERNAL');
  for (const [status, list] of Object.entries(doc?.problems ?? {})) add(Number(status), ...list);
  return new Map([...codes].map(([status, set]) => [status, [...set].sort()]));
}

function headersOf(route: RouteInfo, status: number, own: Record<string, string> = {}): JsonObject {
  const headers: JsonObject = { [HEADER_NAMES.requestId]: ref('headers', HEADER_NAMES.requestId) };
  if (route.guarded && route.rateLimit !== 'none') {
    for (const name of [HEADER_NAMES.limit, HEADER_NAMES.remaining, HEADER_NAMES.reset, HEADER_NAMES.policy]) headers[name] = ref('headers', name);
  }
  if (status === 429) headers[HEADER_NAMES.retryAfter] = ref('headers', HEADER_NAMES.retryAfter);
  if (route.guarded && !route.isPublic && (status === 401 || status === 403)) headers[HEADER_NAMES.wwwAuthenticate] = ref('headers', HEADER_NAMES.wwwAuthenticate);
  for (const [name, description] of Object.entries(own)) headers[name] = { description, schema: { type: 'string' } };
  return headers;
}

function successOf(route: RouteInfo, status: number, answer: ApiResponseDoc): JsonObject {
  const response: JsonObject = { description: answer.description, headers: headersOf(route, status, answer.headers) };
  if (answer.contentType) {
    response.content = { [answer.contentType]: { schema: answer.schema ? jsonSchemaOf(answer.schema) : { type: 'string' } } };
  } else if (answer.schema) {
    response.content = { 'application/json': { schema: jsonSchemaOf(answer.schema) } };
  }
  return response;
}

function problemContent(status: number, codes: string[]): JsonObject {
  const examples: JsonObject = {};
  for (const code of codes) {
    examples[code] = { summary: problemTitle(code) ?? code, value: { type: problemType(code), title: problemTitle(code) ?? code, status, code } };
  }
  return { schema: ref('schemas', 'Problem'), examples };
}

function problemDescription(codes: string[]): string {
  return ['Problem details. Possible codes:', ...codes.map((code) => `- \`${code}\`${problemTitle(code) ? `: ${problemTitle(code)}` : ''}`)].join('\n');
}

function responsesOf(route: RouteInfo): JsonObject {
  const responses = new Map<number, JsonObject>();
  const answers = Object.entries(route.doc?.responses ?? {}).map(([status, answer]) => [Number(status), answer] as const);
  if (answers.length === 0) answers.push([route.httpCode ?? (route.method === 'post' ? 201 : 200), { description: 'Success.' }]);
  for (const [status, answer] of answers) responses.set(status, successOf(route, status, answer));
  for (const [status, codes] of problemCodes(route)) {
    const existing = responses.get(status);
    if (existing) {
      // A status that is both an answer and a problem (rare): one response with both bodies.
      existing.description = `${String(existing.description)}\n\n${problemDescription(codes)}`;
      existing.content = { ...((existing.content as JsonObject | undefined) ?? {}), 'application/problem+json': problemContent(status, codes) };
    } else {
      responses.set(status, { description: problemDescription(codes), headers: headersOf(route, status), content: { 'application/problem+json': problemContent(status, codes) } });
    }
  }
  return Object.fromEntries([...responses].sort(([a], [b]) => a - b).map(([status, response]) => [String(status), response]));
}
