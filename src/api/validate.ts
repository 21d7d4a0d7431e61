import type { z } from 'zod';
import { UserError } from '../web/errors.js';

/** Parses request input with a zod schema; a mismatch is a 400 `invalid_request` listing every issue. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'path' | 'query' | 'body'): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ in: where, field: i.path.join('.'), message: i.message }));
  throw new UserError(400, 'invalid_request', `Invalid ${where}: ${issues.map((i) => `${i.field || where}: ${i.message}`).join('; ')}`, { issues });
}
