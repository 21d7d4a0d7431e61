import { z } from 'zod';
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import { UserError } from '../web/errors.js';
import { formString } from '../web/validate.js';
import { randomToken, sha256Hex } from './passwords.js';
import type { User } from './repo.js';

/** Raw tokens look like `sift_<43 base64url chars>` (256 random bits). */
export const TOKEN_PREFIX = 'sift_';
const PREFIX_SHOWN = TOKEN_PREFIX.length + 6;
/** last_used_at is refreshed at most this often, so every API call is not a write. */
const TOUCH_EVERY_MS = 60_000;

export interface ApiTokenInfo {
  id: number;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const tokenNameInput = z.object({ name: formString(80).trim().min(1, 'is required') });

/** Creates a token for a user; returns the raw token, which is never stored or shown again. */
export async function createApiToken(db: Db, userId: number, input: unknown): Promise<{ token: string; info: ApiTokenInfo }> {
  const parsed = tokenNameInput.safeParse(input);
  if (!parsed.success) throw new UserError(400, 'invalid_token_name', parsed.error.issues.map((i) => `${i.path.join('.') || 'name'}: ${i.message}`).join('; '));
  const token = TOKEN_PREFIX + randomToken(32);
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: userId, name: parsed.data.name, token_hash: sha256Hex(token), prefix: token.slice(0, PREFIX_SHOWN), created_at: nowIso(), last_used_at: null, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, info: toInfo(row) };
}

function toInfo(r: { id: number; name: string; prefix: string; created_at: string; last_used_at: string | null; revoked_at: string | null }): ApiTokenInfo {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

export async function listApiTokens(db: Db, userId: number): Promise<ApiTokenInfo[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toInfo);
}

/** Revokes one of the user's own tokens; revoking twice is harmless. */
export async function revokeApiToken(db: Db, userId: number, tokenId: number): Promise<void> {
  const row = await db.selectFrom('api_tokens').select(['id', 'revoked_at']).where('id', '=', tokenId).where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw new UserError(404, 'not_found', 'No such token of yours.');
  if (!row.revoked_at) await db.updateTable('api_tokens').set({ revoked_at: nowIso() }).where('id', '=', tokenId).execute();
}

export interface TokenIdentity {
  user: User;
  tokenId: number;
  tokenHash: string;
}

/** The user a raw token belongs to, when it exists and is not revoked. */
export async function userForApiToken(db: Db, raw: string): Promise<TokenIdentity | undefined> {
  if (!raw.startsWith(TOKEN_PREFIX) || raw.length > 200) return undefined;
  const tokenHash = sha256Hex(raw);
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.created_at', 'api_tokens.id as token_id', 'api_tokens.last_used_at'])
    .where('api_tokens.token_hash', '=', tokenHash)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const now = new Date();
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOUCH_EVERY_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.token_id).execute();
  }
  const { token_id, last_used_at: _l, ...user } = row;
  return { user, tokenId: token_id, tokenHash };
}
