/**
 * A short-lived cache of session lookups, per database. Every request looks its session up; on the
 * crowd's vote path that lookup cost as much as recording the vote. Entries live at most `ttlMs`
 * (and never past the session's expiry). Logging out and role changes made through this process
 * take effect at once; made through another process sharing the database, within `ttlMs`.
 */
import type { Db } from '../db/index.js';
import type { User } from './repo.js';

export type SessionRow = User & { csrf_token: string; expires_at: string; organizes: unknown };

const MAX_ENTRIES = 20_000;
const caches = new WeakMap<Db, Map<string, { row: SessionRow; until: number }>>();

function cacheOf(db: Db) {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new Map()));
  return c;
}

export function cachedSession(db: Db, tokenHash: string): SessionRow | undefined {
  const c = caches.get(db);
  const hit = c?.get(tokenHash);
  if (!hit) return undefined;
  if (hit.until > Date.now()) return hit.row;
  c!.delete(tokenHash);
  return undefined;
}

export function rememberSession(db: Db, tokenHash: string, row: SessionRow, ttlMs: number): void {
  if (ttlMs <= 0) return;
  const c = cacheOf(db);
  if (c.size >= MAX_ENTRIES) c.delete(c.keys().next().value!);
  c.set(tokenHash, { row, until: Math.min(Date.now() + ttlMs, Date.parse(row.expires_at)) });
}

export function forgetSession(db: Db, tokenHash: string): void {
  caches.get(db)?.delete(tokenHash);
}

/** After a change to the user's account (its role): drop every cached session of that user. */
export function forgetUserSessions(db: Db, userId: number): void {
  const c = caches.get(db);
  if (!c) return;
  for (const [k, v] of c) if (v.row.id === userId) c.delete(k);
}
