import type { Kysely, Migration } from 'kysely';

/**
 * Issue 11, section 4: volunteer training that teaches.
 * - Each workflow says when a volunteer has earned live subjects: at least promote_correct correct
 *   answers among their last promote_window gold answers, and (promote_each_class = 1) a correct
 *   answer in every class that has gold. promote_window = 0 turns the gate off (everyone is promoted
 *   at once, as before this migration); the organizers' form asks for a window of at least 1.
 * - crowd_promotions records when a voter (signed-in 'u:<id>' or anonymous 'a:<cookie>', as in
 *   crowd_votes.voter) was promoted: once promoted, always promoted, even if later answers slip.
 * - crowd_volunteers.tutorial_seen_at: when a signed-in volunteer saw the workflow's tutorial
 *   (anonymous ones are remembered by a cookie).
 */
export function crowdTraining(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('crowd_workflows').addColumn('promote_correct', 'integer', (c) => c.notNull().defaultTo(4)).execute();
      await db.schema.alterTable('crowd_workflows').addColumn('promote_window', 'integer', (c) => c.notNull().defaultTo(5)).execute();
      await db.schema.alterTable('crowd_workflows').addColumn('promote_each_class', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('crowd_volunteers').addColumn('tutorial_seen_at', 'text').execute();
      await db.schema
        .createTable('crowd_promotions')
        .addColumn('workflow_id', 'integer', (c) => c.notNull().references('crowd_workflows.id').onDelete('cascade'))
        .addColumn('voter', 'text', (c) => c.notNull())
        .addColumn('promoted_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('crowd_promotions_pk', ['workflow_id', 'voter'])
        .execute();
    },
  };
}
