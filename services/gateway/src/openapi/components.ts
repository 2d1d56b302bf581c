import type { ZodTypeAny } from 'zod';
import { zodToJsonSchema, type Options } from 'zod-to-json-schema';

/** A JSON value as the document holds it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * A zod schema as JSON Schema 2020-12, the dialect of OpenAPI 3.1: nullable values are type
 * arrays or `anyOf` with `{type: 'null'}` (never 3.0's `nullable`), everything inlined (no
 * `$ref` into definitions the document does not have), input shapes for transforms.
 */
const CONVERSION: Partial<Options<'jsonSchema2019-09'>> = {
  target: 'jsonSchema2019-09',
  $refStrategy: 'none',
  dateStrategy: 'format:date-time',
  effectStrategy: 'input',
};

export function jsonSchemaOf(schema: ZodTypeAny): JsonObject {
  // zod and zod-to-json-schema name the same classes through different entry points ('zod', 'zod/v3').
  const converted = zodToJsonSchema(schema as unknown as Parameters<typeof zodToJsonSchema>[0], CONVERSION) as JsonObject;
  delete converted.$schema;
  return withoutUndefinedBranch(converted);
}

/**
 * An optional value inside a transform converts to `anyOf: [{not: {}}, X]` ("absent, or X");
 * where optionality is said elsewhere (`required` of a parameter or property) that is just X.
 */
function withoutUndefinedBranch(schema: JsonObject): JsonObject {
  const branches = schema.anyOf;
  if (!Array.isArray(branches)) return schema;
  const kept = branches.filter((b) => !(b && typeof b === 'object' && !Array.isArray(b) && Object.keys(b).length === 1 && JSON.stringify(b.not) === '{}'));
  if (kept.length === branches.length) return schema;
  const { anyOf: _, ...rest } = schema;
  if (kept.length === 1 && kept[0] && typeof kept[0] === 'object' && !Array.isArray(kept[0])) return { ...kept[0], ...rest };
  return { ...rest, anyOf: kept };
}

export const ref = (section: string, name: string): JsonObject => ({ $ref: `#/components/${section}/${name}` });

/** RFC 9457 problem details as the gateway's exception filter writes them. */
const PROBLEM: JsonObject = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable and meant for programs; `title` and `detail` are for people.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', description: '`urn:leap:problem:<code>`.', examples: ['urn:leap:problem:VALIDATION.FAILED'] },
    title: { type: 'string', description: 'A short summary of the problem type.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code.' },
    detail: { type: 'string', description: 'What went wrong with this request.' },
    instance: { type: 'string', description: 'The path of the request.' },
    code: { type: 'string', description: 'The stable problem code, such as `AUTH.UNAUTHENTICATED`.', examples: ['VALIDATION.FAILED'] },
    requestId: { type: 'string', description: 'The `X-Request-ID` of the request; quote it when reporting a problem.' },
    errors: {
      type: 'array',
      description: 'With `VALIDATION.FAILED`: one entry per invalid field.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', examples: ['email'] }, message: { type: 'string' } },
      },
    },
  },
  additionalProperties: true,
};

/** Response headers; which operations carry which is decided per operation. */
export const HEADER_NAMES = {
  requestId: 'X-Request-ID',
  limit: 'RateLimit-Limit',
  remaining: 'RateLimit-Remaining',
  reset: 'RateLimit-Reset',
  policy: 'RateLimit-Policy',
  retryAfter: 'Retry-After',
  wwwAuthenticate: 'WWW-Authenticate',
} as const;

const HEADERS: Record<string, JsonObject> = {
  [HEADER_NAMES.requestId]: {
    description: 'The id of the request: the caller\'s own `X-Request-ID` when it is 1-128 of `A-Za-z0-9._:-`, else a generated one. Problem bodies repeat it as `requestId`.',
    schema: { type: 'string' },
  },
  [HEADER_NAMES.limit]: { description: 'Requests allowed in the current window.', schema: { type: 'integer', minimum: 0 } },
  [HEADER_NAMES.remaining]: { description: 'Requests left in the current window.', schema: { type: 'integer', minimum: 0 } },
  [HEADER_NAMES.reset]: { description: 'Seconds until the window resets.', schema: { type: 'integer', minimum: 0 } },
  [HEADER_NAMES.policy]: { description: 'The limit and its window, as `<limit>;w=<seconds>`.', schema: { type: 'string', examples: ['120;w=60'] } },
  [HEADER_NAMES.retryAfter]: { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
  [HEADER_NAMES.wwwAuthenticate]: { description: '`Bearer`, or `Bearer error="insufficient_scope", scope="..."`.', schema: { type: 'string' } },
};

export const PARAMETER_NAMES = { idempotencyKey: 'IdempotencyKey', csrfToken: 'CsrfToken' } as const;

const PARAMETERS: Record<string, JsonObject> = {
  [PARAMETER_NAMES.idempotencyKey]: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe: a request with the same key and body replays the first answer; the same key with another body is 422 `IDEMPOTENCY.KEY_REUSED`. 1-200 of `A-Za-z0-9._:-`.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,200}$' },
  },
  [PARAMETER_NAMES.csrfToken]: {
    name: 'X-CSRF-Token',
    in: 'header',
    required: false,
    description:
      "Only with the `access_token` cookie: the session's CSRF token (the `csrf_token` cookie, also in the login answer; bound to the session), else 403 `AUTH.CSRF_FAILED`. Not needed with an `Authorization` header.",
    schema: { type: 'string' },
  },
};

/** The three ways to authenticate; a private operation accepts any one of them. */
export const SECURITY_SCHEMES: Record<string, JsonObject> = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A short-lived access token from `POST /api/v1/auth/login`, sent as `Authorization: Bearer <token>`.',
  },
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`leap_...`), sent as `Authorization: Bearer leap_...`. Its scopes (`read`, `write`, `admin`) limit what it may do.',
  },
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: 'access_token',
    description:
      'The session cookie a browser gets from login. Requests with unsafe methods (POST, PUT, PATCH, DELETE) must also send an `X-CSRF-Token` header with the session\'s CSRF token (the `csrf_token` cookie, an HMAC of the session id), else 403 `AUTH.CSRF_FAILED`.',
  },
};

/** What a private operation lists under `security`: any one of the schemes. */
export const PRIVATE_SECURITY: Json[] = Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: [] }));

/** `components` of the document: the shared schema, headers, parameters and security schemes. */
export function components(): JsonObject {
  return { schemas: { Problem: PROBLEM }, headers: HEADERS, parameters: PARAMETERS, securitySchemes: SECURITY_SCHEMES };
}
