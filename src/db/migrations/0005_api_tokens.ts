import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';

/** Tables of issue 3's token API (personal API tokens). */
export function apiTokens(_dialect: DbDialect): Migration {
  return {
    async up(_db: Kysely<any>) {},
  };
}
