import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';

/** Tables of issue 5 (volunteer classification). */
export function crowd(_dialect: DbDialect): Migration {
  return {
    async up(_db: Kysely<any>) {},
  };
}
