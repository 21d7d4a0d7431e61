/**
 * Who sees what on the comparison page. Known sources are train rows, whose labels are public, so
 * their panels and the methods note are for everyone. Everything scored against the hidden solution
 * (the unknown-source tables, differences and heatmaps, the summary, crowd × ML agreement and the
 * disagreement lists) is for the challenge's organizers while it is open, and for everyone once its
 * private leaderboard is revealed. The crowd's simulated volunteers are drawn from the solution, so
 * nothing computed from votes on test rows leaves this rule either.
 */
import type { Db } from '../../db/index.js';
import { findChallengeById } from '../../challenges/repo.js';
import { privateRevealed } from '../../challenges/service.js';
import { canOrganize } from '../../challenges/organizers.js';
import { UserError } from '../../web/errors.js';
import type { ForestRow } from '../plots/forest.js';
import type { ComparisonResult } from '../compare.js';
import type { FullComparison, MethodsNote } from './page.js';
import type { SourcePanel } from './tables.js';
import type { AmsView } from './ams.js';

export const HIDDEN_RULE = 'Unknown-source results use the hidden solution: they are shown to this challenge\u2019s organizers while it is open, and to everyone once its private leaderboard is revealed.';

/** What one viewer may see of a FullComparison. */
export interface ComparisonView {
  classes: string[];
  /** Whether the parts scored against the solution are included. */
  hiddenShown: boolean;
  known: SourcePanel;
  unknown: SourcePanel | null;
  solution: ComparisonResult | null;
  methods: MethodsNote;
  /** Known-source rows, then unknown-source rows when shown. */
  forest: ForestRow[];
  notes: string[];
  /** The crowd-versus-ML AMS panel (ams.ts), added by comparisonView: its figures only where hiddenShown. */
  ams?: AmsView;
}

/**
 * Whether `user` may see the results scored against the challenge's hidden solution. A draft
 * challenge exists only for its organizers (as everywhere else): anyone else gets a 404.
 */
export async function seesHiddenResults(db: Db, challengeId: number, user: { id: number; role: string } | null | undefined): Promise<boolean> {
  const challenge = await findChallengeById(db, challengeId);
  const organizer = !!challenge && (await canOrganize(db, user, challenge));
  if (!challenge || (challenge.state === 'draft' && !organizer)) throw new UserError(404, 'not_found', 'No such crowd workflow.');
  return organizer || privateRevealed(challenge);
}

export function forViewer(full: FullComparison, hiddenShown: boolean): ComparisonView {
  if (hiddenShown) return { classes: full.classes, hiddenShown, known: full.known, unknown: full.unknown, solution: full.solution, methods: full.methods, forest: [...full.forest.known, ...full.forest.unknown], notes: full.notes };
  return {
    classes: full.classes,
    hiddenShown,
    known: full.known,
    unknown: null,
    solution: null,
    methods: { ...full.methods, best: null, votesPerSubject: { known: full.methods.votesPerSubject.known, unknown: null } },
    forest: full.forest.known,
    notes: full.notes,
  };
}
