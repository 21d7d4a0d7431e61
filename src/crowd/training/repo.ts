/** The queries behind training: a voter's gold answers, their promotion, what gold they have been shown. */
import type { Db } from '../../db/index.js';

/** When the voter was promoted in the workflow, if ever. */
export async function promotedAt(db: Db, workflowId: number, voter: string): Promise<string | null> {
  const r = await db.selectFrom('crowd_promotions').select('promoted_at').where('workflow_id', '=', workflowId).where('voter', '=', voter).executeTakeFirst();
  return r?.promoted_at ?? null;
}

/** Records the promotion (the first one stands); returns when it happened. */
export async function recordPromotion(db: Db, workflowId: number, voter: string, at: string): Promise<string> {
  await db.insertInto('crowd_promotions').values({ workflow_id: workflowId, voter, promoted_at: at }).onConflict((oc) => oc.columns(['workflow_id', 'voter']).doNothing()).execute();
  return (await promotedAt(db, workflowId, voter)) ?? at;
}

/** One gold answer of a voter: its subject's class (code) and whether it was right. */
export interface GoldAnswer {
  goldClass: number;
  correct: boolean;
}

/**
 * The voter's gold answers, newest first. A voter in training has at most one per gold subject, so
 * one query serves the promotion rule and the choice of the next gold class.
 */
export async function goldAnswers(db: Db, workflowId: number, voter: string): Promise<GoldAnswer[]> {
  const rows = await db
    .selectFrom('crowd_votes as v')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .select(['s.gold_class', 'v.correct'])
    .where('v.voter', '=', voter)
    .where('v.workflow_id', '=', workflowId)
    .where('v.is_gold', '=', 1)
    .orderBy('v.id', 'desc')
    .execute();
  return rows.flatMap((r) => (r.gold_class === null ? [] : [{ goldClass: r.gold_class, correct: r.correct === 1 }]));
}

/** How many gold subjects each class (code) has in the workflow; classes without gold are absent. */
export async function goldCountsByClass(db: Db, workflowId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('crowd_subjects')
    .select('gold_class')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workflow_id', '=', workflowId)
    .where('is_gold', '=', 1)
    .where('gold_class', 'is not', null)
    .groupBy('gold_class')
    .execute();
  return new Map(rows.map((r) => [r.gold_class!, Number(r.n)]));
}

/** Whether the volunteer has answered anything in the workflow. */
export async function hasVoted(db: Db, workflowId: number, voter: string): Promise<boolean> {
  return !!(await db.selectFrom('crowd_votes').select('id').where('voter', '=', voter).where('workflow_id', '=', workflowId).limit(1).executeTakeFirst());
}

/** When the signed-in volunteer saw the workflow's tutorial, if ever. */
export async function tutorialSeenAt(db: Db, workflowId: number, userId: number): Promise<string | null> {
  const r = await db.selectFrom('crowd_volunteers').select('tutorial_seen_at').where('workflow_id', '=', workflowId).where('user_id', '=', userId).executeTakeFirst();
  return r?.tutorial_seen_at ?? null;
}

export async function markTutorialSeen(db: Db, workflowId: number, userId: number, at: string): Promise<void> {
  await db.updateTable('crowd_volunteers').set({ tutorial_seen_at: at }).where('workflow_id', '=', workflowId).where('user_id', '=', userId).where('tutorial_seen_at', 'is', null).execute();
}
