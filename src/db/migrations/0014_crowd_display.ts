import type { Kysely, Migration } from 'kysely';

/**
 * Issue 11: the volunteers' subject page is declared by the challenge.yaml `crowd:` section (or a
 * default built from the training rows). The resolved configuration and the class histograms drawn
 * from the training file are stored with the workflow, so a page never re-reads the data files and
 * every web process shows the same page. Null until first needed, and cleared when the section changes.
 */
export function crowdDisplay(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('crowd_workflows').addColumn('display_json', 'text').execute();
    },
  };
}
