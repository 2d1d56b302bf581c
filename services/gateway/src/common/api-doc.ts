import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_DOC = 'leap:api-doc';

/** One documented answer of a route. */
export interface ApiResponseDoc {
  description: string;
  /** The JSON body, as a zod schema (converted to JSON Schema 2020-12 for the OpenAPI document). */
  schema?: z.ZodTypeAny;
  /** Content type when the body is not JSON (a file download). */
  contentType?: string;
  /** Response headers worth knowing (`Location`, `Set-Cookie`). */
  headers?: Record<string, string>;
}

/** How a route is described in the OpenAPI document (docs/openapi.json, `/api/v1/openapi.json`). */
export interface ApiDocOptions {
  summary: string;
  description?: string;
  /** Grouping in the reference page (first letter capitalized); defaults to the controller's first path segment after /api/v1. */
  tag?: string;
  /** A JSON body. */
  body?: z.ZodTypeAny;
  /** A body that is not JSON (multipart upload): its content type and JSON Schema. */
  rawBody?: { contentType: string; schema: Record<string, unknown>; description?: string };
  /** Query parameters, one per key of the object schema. */
  query?: z.AnyZodObject;
  /** Request headers the route reads (a tus request's `Upload-Length`), by name. */
  headers?: Record<string, { description: string; required?: boolean; schema?: Record<string, unknown> }>;
  /** Descriptions of the path parameters (`{id}`), by name; with `enum` for one that takes a fixed set of values. */
  params?: Record<string, string | { description: string; enum: readonly string[] }>;
  /** Success answers by status. */
  responses: Record<number, ApiResponseDoc>;
  /** Problem codes (beyond the ones every route can answer) this route may answer with, by status. */
  problems?: Record<number, string[]>;
}

/**
 * Documents a route in the OpenAPI document (built by services/gateway/src/openapi from every
 * registered route). Every route is listed even without it, but barely: a summary made from the
 * method name and the problems the access guard can answer. Access rules (`@Public()`,
 * `@RequireScope()`, `@AdminOnly()`, `@RequireFlag()`, `@Idempotent()`, `@RateLimitClass()`) are
 * read from their own decorators; do not repeat them here.
 */
export const ApiDoc = (options: ApiDocOptions) => SetMetadata(API_DOC, options);
