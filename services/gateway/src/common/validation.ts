import type { z } from 'zod';
import { validationError } from './problem-details';

/** Parses input with a zod schema; a failure is a 400 `VALIDATION.FAILED` listing every bad field. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw validationError(
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a known parameter or field' }))
        : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
    ),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a path parameter or claim is a UUID (anything else cannot name a row, so it is a 404 or a 401 without asking the database). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
