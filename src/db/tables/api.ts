import type { Generated } from 'kysely';
import type { IsoTime } from '../schema.js';

/** A personal API token; the raw token is shown once and only its sha256 is kept. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** sha256 hex of the raw token. */
  token_hash: string;
  /** The first characters of the raw token, to tell tokens apart on the profile page. */
  prefix: string;
  created_at: IsoTime;
  last_used_at: IsoTime | null;
  revoked_at: IsoTime | null;
}

/** Table types for personal API tokens (issue 3). */
export interface ApiTables {
  api_tokens: ApiTokensTable;
}
