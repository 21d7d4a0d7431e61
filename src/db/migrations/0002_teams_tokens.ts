import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';

/** Tables of issue 3 (teams, API tokens, organizer console). */
export function teamsAndTokens(_dialect: DbDialect): Migration {
  return {
    async up(_db: Kysely<any>) {},
  };
}
