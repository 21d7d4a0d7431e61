/**
 * The second step of the console's weighty actions (publish, freeze, close and reveal, re-score all):
 * what each will do, who sees what afterwards and whether it can be undone, and the rule that the
 * action routes refuse a request that was not confirmed. Browsers confirm on a page of their own
 * (GET /organize/:slug/confirm/:action, no script needed); API clients send the same fields.
 */
import { z } from 'zod';
import type { Db } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { phase } from '../challenges/service.js';
import { UserError } from '../web/errors.js';
import { humanTime } from '../web/render.js';
import { formScalar, formString } from '../web/validate.js';
import { submissionCounts } from './repo.js';

export const CONFIRMED_ACTIONS = ['publish', 'freeze', 'close', 'rescore'] as const;
export type ConfirmedAction = (typeof CONFIRMED_ACTIONS)[number];

export const isConfirmedAction = (name: string): name is ConfirmedAction => (CONFIRMED_ACTIONS as readonly string[]).includes(name);

/** What the confirmation page tells the organizer before they act. */
export interface ActionExplanation {
  heading: string;
  /** The confirming button's label. */
  button: string;
  /** What happens, and who sees what afterwards. */
  effects: string[];
  irreversible: boolean;
  /** How to undo it, or why it cannot be. */
  undo: string;
  /** Close asks for the slug to be typed, as a deliberate second step. */
  typeSlug: boolean;
  /** Re-score asks why (shown on its run page). */
  askReason: boolean;
}

const GERUNDS: Record<ConfirmedAction, string> = { publish: 'Publishing', freeze: 'Freezing the public leaderboard', close: 'Closing', rescore: 'Re-scoring every submission' };

/** Why an action cannot be taken now (the confirmation page then says so instead of asking), or null. */
export function actionUnavailable(action: ConfirmedAction, c: Challenge): string | null {
  const closed = c.state !== 'draft' && phase(c) === 'closed';
  if (action === 'publish') return c.state === 'draft' ? null : 'This challenge is already published.';
  if (c.state === 'draft') return 'This challenge is still a draft: publish it first.';
  if (action === 'freeze') return closed ? 'This challenge has closed: the public leaderboard shows every submission from the close on, and cannot be frozen.' : c.public_frozen_at ? `The public leaderboard is already frozen (since ${humanTime(c.public_frozen_at)}).` : null;
  if (action === 'close') return closed ? 'This challenge has already closed.' : null;
  return null;
}

/** What the explanations count: the challenge's participants' submissions as they stand (the Baseline's left out of `entrants`). */
export interface ActionFacts {
  /** Scored or failed: what a re-score scores again. */
  finished: number;
  scored: number;
  failed: number;
  /** Queued or being scored. */
  waiting: number;
  entrants: number;
}

const NO_FACTS: ActionFacts = { finished: 0, scored: 0, failed: 0, waiting: 0, entrants: 0 };
const n = (count: number, unit: string, units = `${unit}s`) => `${count.toLocaleString('en-GB')} ${count === 1 ? unit : units}`;

export function explainAction(action: ConfirmedAction, c: Challenge, facts: ActionFacts = NO_FACTS): ActionExplanation {
  const base = { typeSlug: false, askReason: false };
  switch (action) {
    case 'publish':
      return {
        ...base,
        heading: 'Publish the challenge?',
        button: 'Publish the challenge',
        effects: [
          'The challenge appears in the public list: anyone can read its overview and download the training data, the test data and the sample submission.',
          `Signed-in participants can submit from ${humanTime(c.opens_at)} until ${humanTime(c.closes_at)}, and see their public scores on the public leaderboard.`,
          'The solution, its labels, weights and public/private split, and every private score stay hidden from participants until the challenge closes.',
        ],
        irreversible: true,
        undo: 'A published challenge does not go back to draft. Settings and files can still be changed from the console, and a re-score then applies them to every submission.',
      };
    case 'freeze':
      return {
        ...base,
        heading: 'Freeze the public leaderboard?',
        button: 'Freeze the public leaderboard',
        effects: [
          `From now on the public leaderboard shows only submissions made before this moment${facts.entrants ? `: the ${n(facts.entrants, 'entrant')} who submitted so far keep the rows they have now` : ' (no participant has submitted yet)'}.`,
          'Participants can still submit; they do not see the public score of what they send after the freeze.',
          'Private scores stay hidden until the close as before. At the close the freeze ends: the public board then shows every submission.',
        ],
        irreversible: false,
        undo: 'Unfreeze from the console at any time before the close: the public board and the hidden public scores are shown again at once.',
      };
    case 'close':
      return {
        ...base,
        typeSlug: true,
        heading: 'Close now and reveal the private leaderboard?',
        button: 'Close now and reveal',
        effects: [
          `The challenge closes now instead of at ${humanTime(c.closes_at)}, and final selections are locked. ${
            c.late_submissions
              ? 'Uploads from this moment are late submissions: scored and shown to their submitters, marked late, never ranked (turn them off in the settings).'
              : 'Uploads are refused from this moment (late submissions are off in the settings).'
          }`,
          facts.entrants
            ? `Everyone sees the private leaderboard, signed in or not; each of the ${n(facts.entrants, 'entrant')} sees the private scores and the score details (per subset) of their own submissions (${n(facts.scored, 'scored submission')} in all).`
            : 'Everyone sees the private leaderboard, signed in or not; no participant has submitted yet, so it holds the Baseline at most.',
          'A freeze of the public leaderboard ends: it shows every submission.',
          ...(facts.waiting ? [`${n(facts.waiting, 'submission')} still waiting to be scored ${facts.waiting === 1 ? 'is' : 'are'} scored as usual, and count${facts.waiting === 1 ? 's' : ''} on both boards.`] : []),
          'After the close you can publish the full solution as open data.',
        ],
        irreversible: true,
        undo: 'The challenge cannot be reopened, and private scores once shown cannot be hidden again.',
      };
    case 'rescore':
      return {
        ...base,
        askReason: true,
        heading: 'Re-score every submission?',
        button: 'Re-score all',
        effects: [
          `Every finished submission (${facts.finished} so far) is scored again with the current solution and scorer, as a job; its page shows the progress and, at the end, which ranks changed on both boards.`,
          facts.finished === 0
            ? 'No submission has finished yet, so nothing is scored again now.'
            : `That is ${n(facts.scored, 'scored submission')} and ${n(facts.failed, 'failed one')} (the Baseline's included) from ${n(facts.entrants, 'entrant')}${facts.waiting ? `; ${n(facts.waiting, 'submission')} still waiting ${facts.waiting === 1 ? 'is' : 'are'} scored once, as usual` : ''}.`,
          'Scores on both leaderboards may change. Participants see new public scores as they come; private scores stay hidden until the close.',
        ],
        irreversible: true,
        undo: 'The previous scores are replaced (the run keeps the boards from before, for comparison); re-scoring again after a fix gives the new scores.',
      };
  }
}

/** The fields that confirm an action; the action's own fields (a re-score's reason) are read by its route. */
const confirmation = z.object({ confirm: formScalar.optional(), slug: formString(200).optional() });

const confirmedValue = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';

/** Refuses (400, naming what is missing) an action request that was not confirmed; for close, the slug must be typed. */
export function requireConfirmation(action: ConfirmedAction, c: Challenge, body: unknown): void {
  const parsed = confirmation.safeParse(body ?? {});
  const form = parsed.success ? parsed.data : {};
  if (!confirmedValue(form.confirm)) {
    throw new UserError(400, 'confirmation_required', `${GERUNDS[action]} needs confirming: send the field confirm=1${action === 'close' ? ' and the challenge\'s slug in the field slug' : ''} (the console asks at /organize/${c.slug}/confirm/${action}). Nothing was changed.`);
  }
  if (action !== 'close') return;
  const typed = (form.slug ?? '').trim();
  if (!typed) throw new UserError(400, 'slug_required', `Closing needs the challenge's slug typed in the field slug ('${c.slug}'). Nothing was changed.`);
  if (typed !== c.slug) throw new UserError(400, 'slug_mismatch', `The slug typed in the field slug ('${typed}') is not this challenge's ('${c.slug}'). Nothing was changed.`);
}

/** The counts the explanations quote, with the re-score job's filter for `finished` (the Baseline's submissions included). */
export async function actionFacts(db: Db, c: Challenge): Promise<ActionFacts> {
  const { participants: p, baseline: b } = await submissionCounts(db, c.id);
  return { finished: p.scored + p.failed + b.scored + b.failed, scored: p.scored + b.scored, failed: p.failed + b.failed, waiting: p.waiting + b.waiting, entrants: p.entrants };
}
