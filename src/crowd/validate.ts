/** zod checks of the crowd routes' path parameters and bodies: a 400 that names each problem. */
import type { Request } from 'express';
import { z } from 'zod';
import { UserError } from '../web/errors.js';

const positiveId = z.coerce.number().int().positive().max(2 ** 31 - 1);

/** A numeric id from the URL path; 400 naming the parameter when it is not one. */
export function idParam(req: Request, name: string, what: string): number {
  const parsed = positiveId.safeParse(req.params[name]);
  if (!parsed.success) throw new UserError(400, 'bad_id', `The ${what} id in the address must be a positive whole number, not '${String(req.params[name]).slice(0, 40)}'.`, { problems: [`${name}: a positive whole number`] });
  return parsed.data;
}

/** Text fields are checked for shape here; their content rules (length, characters) stay with the use case that stores them. */
const text = (what: string, max: number) =>
  z
    .string({ message: `${what}: text` })
    .max(max, `${what}: at most ${max.toLocaleString('en')} characters`)
    // PostgreSQL cannot store NUL in text.
    .refine((s) => !s.includes('\u0000'), `${what}: must not contain NUL characters`);

/** The crowd routes' bodies (form posts or JSON). */
export const bodies = {
  vote: z.object({
    token: text('token (the serve token of the subject shown)', 1000),
    answer: z.union([z.string().max(200), z.number().int()], { message: 'answer: a class name or its index' }),
  }),
  expert: z.object({ join: z.union([z.boolean(), z.enum(['0', '1', 'true', 'false'])], { message: 'join: 1 or 0' }).optional() }),
  comment: z.object({ body: text('body', 20_000).optional() }),
  tag: z.object({ tag: text('tag', 200).optional() }),
  flag: z.object({ note: text('note', 20_000).optional() }),
  flagReview: z.object({ status: z.enum(['open', 'interesting', 'resolved'], { message: 'status: open, interesting or resolved' }) }),
  expertSet: z.object({ names: text('names', 5_000_000).default('') }),
  baselineSet: z.object({
    count: z.coerce
      .number({ message: 'count: how many sources, a whole number from 1 to 10,000' })
      .int('count: a whole number from 1 to 10,000')
      .min(1, 'count: a whole number from 1 to 10,000')
      .max(10_000, 'count: a whole number from 1 to 10,000')
      .default(50),
  }),
};
