/** The organizers' workflow settings form: validated with zod, every problem named, nothing clamped silently. */
import { z } from 'zod';
import { UserError } from '../web/errors.js';
import type { Workflow } from './repo.js';

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
/** A form field holding a whole number from 1 to 10,000 (blank: absent), its problems named after `what`. */
export const wholeField = (what: string) => z.preprocess(blankToUndefined, z.coerce.number({ message: `${what}: a number` }).int(`${what}: a whole number`).min(1, `${what}: at least 1`).max(10_000, `${what}: at most 10,000`).optional());
export const retirementField = z.preprocess(blankToUndefined, z.enum(['fixed', 'adaptive'], { message: 'retirement: fixed or adaptive' }).optional());
export const routingField = z.preprocess(blankToUndefined, z.enum(['retirement', 'entropy'], { message: 'routing: retirement or entropy' }).optional());
export const randomShareField = z.preprocess(
  blankToUndefined,
  z.coerce.number({ message: 'random share: a number from 0 to 1' }).min(0, 'random share: from 0 to 1').max(1, 'random share: from 0 to 1').optional(),
);

const chancesList = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',').map((x) => x.trim())) : v),
  z.array(z.coerce.number({ message: 'training chances: numbers' }).min(0, 'training chances: each from 0 to 1').max(1, 'training chances: each from 0 to 1')).max(1000, 'training chances: at most 1,000 entries'),
);

const form = z.object({
  retirement: retirementField,
  retireCount: wholeField('retire after'),
  adaptiveThreshold: z.preprocess(blankToUndefined, z.coerce.number({ message: 'adaptive threshold: a number' }).min(0.5, 'adaptive threshold: from 0.5').lt(1, 'adaptive threshold: below 1').optional()),
  adaptiveMinVotes: wholeField('adaptive minimum votes'),
  trainingChances: z.preprocess(blankToUndefined, chancesList.optional()),
  routing: routingField,
  randomShare: randomShareField,
  active: z.preprocess(blankToUndefined, z.union([z.boolean(), z.enum(['0', '1', 'true', 'false', 'on'])]).optional()),
  promoteCorrect: wholeField('promotion: correct answers'),
  promoteWindow: wholeField('promotion: last gold answers'),
  promoteEachClass: z.preprocess(blankToUndefined, z.union([z.boolean(), z.enum(['0', '1', 'true', 'false'])], { message: 'promotion: one per class is yes (1) or no (0)' }).optional()),
});

const yes = (v: boolean | string) => v === true || ['1', 'true', 'on'].includes(String(v));

/** The promotion rule after the form: correct answers cannot outnumber the answers they are counted among. */
function promotionProblems(correct: number, window: number, submitted: boolean): string[] {
  if (!submitted || window === 0) return [];
  return correct > window ? [`promotion: correct answers (${correct}) must not exceed the last gold answers counted (${window})`] : [];
}

/** The columns to update, from the submitted form over the current settings; 400 listing every problem. */
export function workflowSettings(body: unknown, wf: Workflow) {
  const parsed = form.safeParse(body ?? {});
  const b = parsed.data;
  const promoteCorrect = b?.promoteCorrect ?? wf.promoteCorrect;
  const promoteWindow = b?.promoteWindow ?? wf.promoteWindow;
  const problems = [...(parsed.error?.issues.map((i) => i.message) ?? []), ...promotionProblems(promoteCorrect, promoteWindow, b !== undefined && (b.promoteCorrect !== undefined || b.promoteWindow !== undefined))];
  if (!b || problems.length) throw new UserError(400, 'bad_settings', `The settings were not saved: ${problems.join('; ')}.`, { problems });
  return {
    retirement: b.retirement ?? wf.retirement,
    retire_count: b.retireCount ?? wf.retireCount,
    adaptive_threshold: b.adaptiveThreshold ?? wf.adaptiveThreshold,
    adaptive_min_votes: b.adaptiveMinVotes ?? wf.adaptiveMinVotes,
    training_chances_json: JSON.stringify(b.trainingChances ?? wf.trainingChances),
    routing: b.routing ?? wf.routing,
    random_share: b.randomShare ?? wf.randomShare,
    active: b.active === undefined ? (wf.active ? 1 : 0) : yes(b.active) ? 1 : 0,
    promote_correct: promoteCorrect,
    promote_window: promoteWindow,
    promote_each_class: b.promoteEachClass === undefined ? (wf.promoteEachClass ? 1 : 0) : yes(b.promoteEachClass) ? 1 : 0,
  };
}
