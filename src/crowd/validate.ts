/** zod checks of the crowd routes' path parameters and bodies: a 400 that names each problem. */
import type { Request } from 'express';
import { z } from 'zod';
import { UserError } from '../web/errors.js';

/** The body parsed by `schema`, or a 400 listing every problem with the field it concerns. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, code = 'bad_request'): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new UserError(400, code, `The request was not accepted: ${problems.join('; ')}.`, { problems });
}

const positiveId = z.coerce.number().int().positive().max(2 ** 31 - 1);

/** A numeric id from the URL path; 400 naming the parameter when it is not one. */
export function idParam(req: Request, name: string, what: string): number {
  const parsed = positiveId.safeParse(req.params[name]);
  if (!parsed.success) throw new UserError(400, 'bad_id', `The ${what} id in the address must be a positive whole number, not '${String(req.params[name]).slice(0, 40)}'.`, { problems: [`${name}: a positive whole number`] });
  return parsed.data;
}
