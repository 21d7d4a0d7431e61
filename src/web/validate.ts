import { z } from 'zod';
import { UserError } from './errors.js';

/** Parses request input with a zod schema; a mismatch is a 400 (`invalid_request` unless a route names its own code) listing every issue with its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'path' | 'query' | 'body', code = 'invalid_request'): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ in: where, field: i.path.join('.'), message: i.message }));
  throw new UserError(400, code, `Invalid ${where}: ${issues.map((i) => (i.field && i.message.startsWith(`${i.field}:`) ? i.message : `${i.field || where}: ${i.message}`)).join('; ')}`, { issues });
}

export const parseBody = <S extends z.ZodType>(schema: S, body: unknown, code?: string): z.infer<S> => parseInput(schema, body, 'body', code);

/** Text to store: PostgreSQL refuses NUL characters in text, so they are refused here, naming the field. */
export const formString = (max = 100_000) => z.string().max(max, `must be at most ${max} characters`).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

/** A form field that services read as text: JSON clients may send numbers and booleans too, never objects or arrays. */
export const formScalar = z.union([formString(), z.number(), z.boolean(), z.null()]);

/** A body of scalar form fields, for services that check each field themselves. */
export const formFields = z.record(z.string(), formScalar);

/** An optional text field of a form, as a string ('' when absent). */
export const formText = (max = 1000) => formString(max).optional().default('');

/** Ids are PostgreSQL `integer`s: a larger number would fail in the query instead of finding nothing. */
const MAX_ID = 2_147_483_647;

/** A row id, as a JSON number or a form's digit string. */
export const idField = (what: string) =>
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/, `must be ${what}`).transform(Number)], { error: `must be ${what}` })
    .pipe(z.number().int(`must be ${what}`).min(1, `must be ${what}`).max(MAX_ID, `must be ${what}`));
