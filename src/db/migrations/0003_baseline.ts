import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';

/** Tables of issue 4 (TensorFlow.js baseline). */
export function baseline(_dialect: DbDialect): Migration {
  return {
    async up(_db: Kysely<any>) {},
  };
}
