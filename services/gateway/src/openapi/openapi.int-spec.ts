import { spawnSync } from 'node:child_process';
import { METHODS } from 'node:http';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { gatewayTestEnv, startGateway } from '../testing';
import { buildOfflineOpenApiDocument } from './offline-document';

type Doc = Record<string, any>;

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const PRIVATE_SECURITY = [{ bearerAuth: [] }, { apiKey: [] }, { cookieAuth: [] }];

/** The validator is an ES module, so it runs in its own Node process on the document. */
function validateOpenApi(document: Doc): { valid: boolean; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, input: JSON.stringify(document), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the OpenAPI validator failed to run: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { valid: boolean; errors?: unknown; version: string };
  expect(result.version).toBe('3.1');
  return { valid: result.valid, errors: result.errors };
}

/**
 * Method and path of every route Express (5, under @nestjs/platform-express 11) dispatches to a
 * controller, as `GET /api/v1/recordings/{id}`. Plain middleware layers have no `route`; Nest binds
 * `forRoutes({ path: '{*path}', method: ALL })` middleware (the request id) as a route for every
 * method on a catch-all path, which is no endpoint either.
 */
function expressRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  const routes: string[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    if (/^\/\{\*\w+\}$/.test(layer.route.path) && Object.keys(layer.route.methods).length >= METHODS.length) continue;
    const path = layer.route.path.replace(/:([A-Za-z_$][\w$]*)/g, '{$1}');
    for (const [method, on] of Object.entries(layer.route.methods)) if (on) routes.push(`${method.toUpperCase()} ${path}`);
  }
  return [...new Set(routes)].sort();
}

function operations(document: Doc): { key: string; method: string; path: string; operation: Doc }[] {
  return Object.entries(document.paths as Record<string, Doc>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, operation: operation as Doc })),
  );
}

/** Follows a local `$ref` (`#/components/parameters/IdempotencyKey`). */
function resolve(document: Doc, value: Doc): Doc {
  if (typeof value.$ref !== 'string') return value;
  return (value.$ref as string)
    .slice(2)
    .split('/')
    .reduce((node: Doc, part) => node[part], document);
}

describe('the OpenAPI document and reference page', () => {
  let world: ServiceWorld;
  let app: INestApplication;
  let base: string;
  let served: Doc;

  beforeAll(async () => {
    // The shared test environment's anonymous budget is large enough for one anonymous request per operation below.
    world = await createServiceWorld('gateway_openapi', gatewayTestEnv());
    const gateway = await startGateway(world);
    app = gateway.app as INestApplication;
    base = gateway.base;
    const response = await fetch(`${base}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
    served = (await response.json()) as Doc;
  }, 300_000);

  afterAll(() => world?.close());

  it('serves a valid OpenAPI 3.1 document of the LEAP API, equal to what `npm run openapi:export` writes', async () => {
    expect(validateOpenApi(served)).toEqual({ valid: true });
    const { info: _, ...broken } = served;
    expect(validateOpenApi(broken).valid).toBe(false);
    expect(served).toMatchObject({ openapi: '3.1.0', info: { title: 'LEAP API', version: expect.any(String) }, servers: [{ url: '/' }] });
    expect(served).toEqual(await buildOfflineOpenApiDocument());
    expect(Object.keys(served.paths)).toEqual(Object.keys(served.paths).sort());
  });

  it('lists exactly the routes Express serves', () => {
    const documented = operations(served)
      .map((o) => o.key)
      .sort();
    expect(documented).toEqual(expressRoutes(app));
    expect(documented).toEqual(expect.arrayContaining(['GET /health/live', 'GET /health/ready', 'GET /api/v1/openapi.json', 'GET /api/docs', 'POST /api/v1/recordings']));
  });

  it('documents who may call each operation, and the server agrees', async () => {
    for (const { key, path, method, operation } of operations(served)) {
      const url = `${base}${path.replace('{id}', '0190a6c4-0000-7000-8000-000000000000').replace('{file}', 'leap-docs.js').replace(/\{[^}]+\}/g, 'x')}`;
      // GET and HEAD carry no body; a HEAD answer has none either, so its problem shows in the status and content type alone.
      const bodyless = method === 'get' || method === 'head';
      const reply = await fetch(url, { method: method.toUpperCase(), headers: bodyless ? {} : { 'content-type': 'application/json' }, body: bodyless ? undefined : '{}' });
      const isProblem = reply.headers.get('content-type')?.startsWith('application/problem+json') === true;
      const body = isProblem && method !== 'head' ? ((await reply.json()) as Doc) : (await reply.arrayBuffer(), method === 'head' && isProblem ? { code: `${reply.status} problem` } : undefined);
      if (operation.security.length === 0) {
        expect({ key, code: body?.code }).not.toEqual({ key, code: 'AUTH.UNAUTHENTICATED' });
        expect({ key, scope: operation['x-leap-scope'] }).toEqual({ key, scope: undefined });
      } else {
        expect({ key, security: operation.security }).toEqual({ key, security: PRIVATE_SECURITY });
        expect({ key, status: reply.status, code: body?.code }).toEqual({ key, status: 401, code: method === 'head' ? '401 problem' : 'AUTH.UNAUTHENTICATED' });
        expect(operation.responses['401'].description).toContain('`AUTH.UNAUTHENTICATED`');
        expect(['read', 'write', 'admin']).toContain(operation['x-leap-scope']);
      }
    }
    for (const path of ['/health/live', '/health/ready', '/api/v1/openapi.json', '/api/docs', '/api/v1/auth/login']) {
      const operation = served.paths[path].get ?? served.paths[path].post;
      expect({ path, security: operation.security }).toEqual({ path, security: [] });
    }
    expect(served.paths['/health/live'].get.tags).toEqual(['Health']);
    expect(served.security).toEqual(PRIVATE_SECURITY);
    expect(served.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKey: { type: 'http', scheme: 'bearer', description: expect.stringContaining('leap_') },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'access_token', description: expect.stringContaining('X-CSRF-Token') },
    });
  });

  it('describes the upload: multipart body, Idempotency-Key, feature flag and every problem it can answer', () => {
    const upload = served.paths['/api/v1/recordings'].post;
    const parameters = (upload.parameters as Doc[]).map((p) => resolve(served, p));
    expect(parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
        expect.objectContaining({ name: 'X-CSRF-Token', in: 'header' }),
      ]),
    );
    expect(upload.requestBody.content['multipart/form-data'].schema.required).toEqual(['file']);
    expect(upload).toMatchObject({ operationId: 'recordingsUpload', tags: ['Recordings'], 'x-leap-flag': 'upload', 'x-leap-idempotent': true, 'x-leap-scope': 'write' });
    expect(upload.description).toContain('Idempotency-Key');
    expect(upload.responses['202'].headers.Location).toBeDefined();
    const codes = (status: string) => Object.keys(upload.responses[status].content['application/problem+json'].examples);
    expect(codes('400')).toEqual(expect.arrayContaining(['VALIDATION.FAILED', 'REQUEST.MALFORMED', 'UPLOAD.EMPTY']));
    expect(codes('401')).toEqual(['AUTH.UNAUTHENTICATED']);
    expect(codes('403')).toEqual(expect.arrayContaining(['AUTH.INSUFFICIENT_SCOPE', 'AUTH.CSRF_FAILED', 'FEATURE.DISABLED']));
    expect(codes('413')).toEqual(['UPLOAD.TOO_LARGE']);
    expect(codes('422')).toEqual(['IDEMPOTENCY.KEY_REUSED', 'RECORDING.PRESET_INVALID']);
    expect(codes('429')).toEqual(['QUOTA.EXCEEDED', 'RATE_LIMIT.EXCEEDED']);
    expect(codes('500')).toEqual(['INTERNAL']);
    expect(upload.responses['429'].headers['Retry-After']).toEqual({ $ref: '#/components/headers/Retry-After' });

    const list = served.paths['/api/v1/recordings'].get;
    expect(list.parameters.map((p: Doc) => p.name)).toEqual(['page', 'pageSize', 'sort', 'status', 'deleted']);
    expect(list.parameters.find((p: Doc) => p.name === 'pageSize').schema).toMatchObject({ type: 'integer', maximum: 100 });
    const item = list.responses['200'].content['application/json'].schema.properties.items.items;
    expect(item.properties.title).toEqual({ type: ['string', 'null'] });
    expect(JSON.stringify(served)).not.toContain('"nullable"');
    expect(served.paths['/api/v1/recordings/{id}'].get.parameters).toEqual([{ name: 'id', in: 'path', required: true, description: 'The recording id.', schema: { type: 'string' } }]);
  });

  it('gives every operation a unique id, the common headers and problem responses on the shared Problem schema', () => {
    const all = operations(served);
    expect(new Set(all.map((o) => o.operation.operationId)).size).toBe(all.length);
    for (const { key, operation } of all) {
      expect({ key, summary: typeof operation.summary }).toEqual({ key, summary: 'string' });
      for (const [status, response] of Object.entries(operation.responses as Record<string, Doc>)) {
        expect({ key, status, requestId: response.headers['X-Request-ID'] }).toEqual({ key, status, requestId: { $ref: '#/components/headers/X-Request-ID' } });
        if (operation['x-leap-rate-limit'] !== 'none') expect({ key, status, limit: response.headers['RateLimit-Limit'] }).toEqual({ key, status, limit: { $ref: '#/components/headers/RateLimit-Limit' } });
        const problem = response.content?.['application/problem+json'];
        if (Number(status) >= 400 && problem) expect(problem.schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
      expect({ key, internal: operation.responses['500']?.content['application/problem+json'] !== undefined }).toEqual({ key, internal: true });
      if (operation['x-leap-rate-limit'] !== 'none') expect(Object.keys(operation.responses['429'].content['application/problem+json'].examples)).toContain('RATE_LIMIT.EXCEEDED');
    }
    expect(served.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'code']);
    expect(Object.keys(served.components.schemas.Problem.properties)).toEqual(['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId', 'errors']);
    expect(Object.keys(served.components.headers)).toEqual(expect.arrayContaining(['X-Request-ID', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']));
  });

  it('serves the reference page with every asset from the gateway itself', async () => {
    const page = await fetch(`${base}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['/api/docs/assets/swagger-ui-bundle.js', '/api/docs/assets/swagger-ui.css', '/api/docs/assets/leap-docs.js']));
    for (const asset of assets) {
      expect(asset).toMatch(/^\/api\/docs\/assets\//);
      const reply = await fetch(`${base}${asset}`);
      expect({ asset, status: reply.status }).toEqual({ asset, status: 200 });
      expect((await reply.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const bundle = await fetch(`${base}/api/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await bundle.text()).toContain('SwaggerUIBundle');
    const init = await (await fetch(`${base}/api/docs/assets/leap-docs.js`)).text();
    expect(init).toContain("url: '/api/v1/openapi.json'");

    for (const name of ['nothing.js', 'index.js']) {
      const missing = await fetch(`${base}/api/docs/assets/${name}`);
      expect({ name, status: missing.status }).toEqual({ name, status: 404 });
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await missing.json()).toMatchObject({ status: 404, code: 'HTTP.NOT_FOUND' });
    }
    // An encoded slash never reaches the asset lookup.
    const traversal = await fetch(`${base}/api/docs/assets/..%2Fpackage.json`);
    expect(await traversal.json()).toMatchObject({ status: 400, code: 'STORAGE.UNSAFE_PATH' });
  });
});
