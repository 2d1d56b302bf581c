import { RequestMethod, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner } from '@nestjs/core';
import { ADMIN_ONLY, IDEMPOTENT_ROUTE, PUBLIC_ROUTE, RATE_LIMIT_CLASS, REQUIRED_FLAG, REQUIRED_SCOPE, type RateLimitClass } from '../access/decorators';
import type { FeatureFlag, Scope } from '../access/principal';
import { API_DOC, type ApiDocOptions } from '../common/api-doc';
import { platformRouteDocs } from './platform-routes';

/** The HTTP methods an OpenAPI 3.1 path item can hold, in the order the document lists them. */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type OperationMethod = (typeof OPERATION_METHODS)[number];

const METHODS: Partial<Record<RequestMethod, OperationMethod[]>> = {
  [RequestMethod.GET]: ['get'],
  [RequestMethod.POST]: ['post'],
  [RequestMethod.PUT]: ['put'],
  [RequestMethod.DELETE]: ['delete'],
  [RequestMethod.PATCH]: ['patch'],
  [RequestMethod.OPTIONS]: ['options'],
  [RequestMethod.HEAD]: ['head'],
  // `@All()` answers every method; OpenAPI has no "any method", so each one is listed.
  [RequestMethod.ALL]: ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'],
  // SEARCH, PROPFIND and the other WebDAV methods have no place in an OpenAPI 3.1 path item.
};

/** One method on one path of a controller, with everything the access guard and `@ApiDoc` say about it. */
export interface RouteInfo {
  controller: Type<unknown>;
  handler: string;
  method: OperationMethod;
  /** The path as Nest registers it with Express (`/api/v1/recordings/:id`). */
  nestPath: string;
  /** The same path in OpenAPI form (`/api/v1/recordings/{id}`). */
  path: string;
  pathParams: string[];
  /** `@HttpCode()`, if any. */
  httpCode?: number;
  doc?: ApiDocOptions;
  /** Whether the access guard checks the route at all (the platform's health routes are exempt). */
  guarded: boolean;
  isPublic: boolean;
  /** The scope the guard requires (the same default rules as the guard). */
  scope: Scope;
  adminOnly: boolean;
  flag?: FeatureFlag;
  rateLimit: RateLimitClass;
  idempotent: boolean;
  /** Tag from the controller's own conventions, when `@ApiDoc` gives none. */
  defaultTag: string;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? ['/'] : Array.isArray(value) ? value : [value]);

/** Joins path segments the way Nest does: one leading slash, no doubled or trailing slashes. */
export function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

const PARAM = /[:*]([A-Za-z_$][\w$]*)/g;

/** `:id` (and a `*path` wildcard) become `{id}`; the names are the path parameters. */
export function toOpenApiPath(nestPath: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = nestPath.replace(/\{(\*[A-Za-z_$][\w$]*)\}/g, '$1').replace(PARAM, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

function defaultTag(controllerPath: string): string {
  const segments = controllerPath.split('/').filter(Boolean);
  const rest = segments[0] === 'api' && /^v\d+$/.test(segments[1] ?? '') ? segments.slice(2) : segments;
  const name = (rest[0] ?? 'default').replace(/[-_]+/g, ' ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Every route of `controller`, read from the metadata Nest routes by. */
export function routesOf(controller: Type<unknown>): RouteInfo[] {
  const platform = platformRouteDocs(controller);
  const prototype = controller.prototype as Record<string, unknown>;
  const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
  const routes: RouteInfo[] = [];
  for (const handler of new MetadataScanner().getAllMethodNames(prototype)) {
    const target = prototype[handler] as object;
    const requestMethod = Reflect.getMetadata(METHOD_METADATA, target) as RequestMethod | undefined;
    if (requestMethod === undefined) continue;
    const meta = <T>(key: string): T | undefined => (Reflect.getMetadata(key, target) as T | undefined) ?? (Reflect.getMetadata(key, controller) as T | undefined);
    const adminOnly = meta<boolean>(ADMIN_ONLY) === true;
    const doc = meta<ApiDocOptions>(API_DOC) ?? platform?.docs[handler];
    for (const method of METHODS[requestMethod] ?? []) {
      for (const controllerPath of controllerPaths) {
        for (const handlerPath of asList(Reflect.getMetadata(PATH_METADATA, target) as string | string[] | undefined)) {
          const nestPath = joinPath(controllerPath, handlerPath);
          const { path, params } = toOpenApiPath(nestPath);
          routes.push({
            controller,
            handler,
            method,
            nestPath,
            path,
            pathParams: params,
            httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, target) as number | undefined,
            doc,
            guarded: !platform,
            isPublic: platform !== undefined || meta<boolean>(PUBLIC_ROUTE) === true,
            scope: meta<Scope>(REQUIRED_SCOPE) ?? (adminOnly ? 'admin' : method === 'get' || method === 'head' ? 'read' : 'write'),
            adminOnly,
            flag: meta<FeatureFlag>(REQUIRED_FLAG),
            rateLimit: platform ? 'none' : (meta<RateLimitClass>(RATE_LIMIT_CLASS) ?? 'api'),
            idempotent: meta<object>(IDEMPOTENT_ROUTE) !== undefined,
            defaultTag: platform?.tag ?? defaultTag(controllerPath),
          });
        }
      }
    }
  }
  return routes;
}
