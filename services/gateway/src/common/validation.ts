import type { z } from 'zod';
import { validationError } from './problem-details';

/** Parses input with a zod schema; a failure is a 400 `VALIDATION.FAILED` listing every bad field. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw validationError(result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message })));
}
