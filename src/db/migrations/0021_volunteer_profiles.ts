import type { Kysely, Migration } from 'kysely';

/**
 * Issue 14, section 4: one profile for both kinds of volunteering. A volunteer may name their country
 * (an ISO 3166-1 numeric code from the world map's choices; never guessed from the IP address) for
 * the map of contributors by credit, and write a short line about themselves, shown when they are the
 * volunteer of the day. Both null until set.
 */
export function volunteerProfiles(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('country', 'text').execute();
      await db.schema.alterTable('users').addColumn('profile_line', 'text').execute();
    },
  };
}
