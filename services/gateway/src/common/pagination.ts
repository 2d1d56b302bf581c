import { z } from 'zod';

/**
 * The one list convention of the API (docs/api.md, "Lists"):
 * - `page` (from 1) and `pageSize` (1 to 100, default 20);
 * - `sort`: comma-separated field names from the list's sortable fields, `-` first for descending
 *   (`sort=-createdAt,title`); each list has a default;
 * - filters are named query parameters; a comma-separated value matches any of its values
 *   (`status=READY,FAILED`);
 * - the answer is `{ items, page, pageSize, total, totalPages }`.
 */
export const MAX_PAGE_SIZE = 100;
/** The highest page number asked for (far past any list; it keeps OFFSET within a bigint). */
export const MAX_PAGE = 1_000_000;

export const pageParams = {
  page: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(MAX_PAGE, `must be at most ${MAX_PAGE}`).default(1),
  pageSize: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).default(20),
};

/**
 * The query of a list: `page`, `pageSize` and the list's own parameters. Any other parameter is a
 * 400, so a misspelt filter (or `status[]=`) is never silently ignored.
 */
export function listQuery<T extends z.ZodRawShape>(shape: T) {
  return z.object({ ...pageParams, ...shape }).strict();
}

export interface SortKey<F extends string> {
  field: F;
  direction: 'asc' | 'desc';
}

/** The `sort` parameter over `fields`, defaulting to `fallback` (e.g. `-createdAt`). */
export function sortParam<const F extends string>(fields: readonly F[], fallback: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx): SortKey<F>[] => {
      const parts = (value ?? fallback)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const keys: SortKey<F>[] = [];
      for (const part of parts) {
        const field = part.replace(/^[-+]/, '') as F;
        if (!fields.includes(field)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot sort by "${field}"; sortable fields are ${fields.join(', ')}` });
          return z.NEVER;
        }
        if (keys.some((k) => k.field === field)) continue;
        keys.push({ field, direction: part.startsWith('-') ? 'desc' : 'asc' });
      }
      return keys;
    })
    .describe(`Comma-separated fields, "-" first for descending. Sortable: ${fields.join(', ')}. Default: ${fallback}`);
}

/** The values of a comma-separated or repeated query parameter. */
function splitValues(value: string | string[] | undefined, normalise: (s: string) => string = (s) => s): string[] | undefined {
  if (value === undefined) return undefined;
  return ([] as string[])
    .concat(value)
    .flatMap((s) => s.split(','))
    .map((s) => normalise(s.trim()))
    .filter(Boolean);
}

/** A filter taking one or more of `values` (comma-separated or repeated), matched case-insensitively. */
export function multiValueFilter<const V extends string>(values: readonly V[]) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => splitValues(value, (s) => s.toUpperCase()))
    .refine((list) => !list || list.every((v) => (values as readonly string[]).includes(v)), { message: `must be one or more of ${values.join(', ')}` })
    .transform((list) => list as V[] | undefined);
}

/** A filter of free values (ids, names): comma-separated or repeated, each checked by `item`, matched exactly. */
export function valuesFilter<T extends z.ZodTypeAny>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => splitValues(value))
    .pipe(z.array(item).optional());
}

/** A `true`/`false` filter. */
export function booleanFilter() {
  return z
    .enum(['true', 'false'], { errorMap: () => ({ message: 'must be true or false' }) })
    .transform((v) => v === 'true')
    .optional();
}

/** `ORDER BY` for sort keys, through a map of API field names to SQL expressions; `tieBreaker` keeps pages stable. */
export function orderBy<F extends string>(keys: SortKey<F>[], columns: Record<F, string>, tieBreaker = 'id DESC'): string {
  const parts = keys.map((k) => `${columns[k.field]} ${k.direction === 'desc' ? 'DESC' : 'ASC'}`);
  return `ORDER BY ${[...parts, tieBreaker].join(', ')}`;
}

/** The page envelope every list answers with. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

export function pageOf<T>(items: T[], query: { page: number; pageSize: number }, total: number): Page<T> {
  return { items, page: query.page, pageSize: query.pageSize, total, totalPages: Math.ceil(total / query.pageSize) };
}

/** The OFFSET of a page. */
export function offsetOf(query: { page: number; pageSize: number }): number {
  return (query.page - 1) * query.pageSize;
}

/** A zod schema of a page of `item`, for the OpenAPI document. */
export function pageSchema<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
    totalPages: z.number().int(),
  });
}
