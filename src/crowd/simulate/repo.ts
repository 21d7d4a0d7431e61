/** Simulated volunteer accounts: one set per challenge, found by their marked e-mail address. */
import type { Db } from '../../db/index.js';

const DOMAIN = 'simulated.invalid';

/** An address no one can receive mail at (RFC 2606), naming the challenge so `--delete` finds its crowd only. */
export const simulatedEmail = (slug: string, n: number) => `sim-${String(n).padStart(4, '0')}.${slug}@${DOMAIN}`;
const ofChallenge = (slug: string, email: string) => email.endsWith(`.${slug}@${DOMAIN}`);

/** Creates the accounts (no password can match '!'; they can never sign in) and returns their ids in order. */
export async function insertSimulatedUsers(db: Db, slug: string, profiles: string[], createdAt: string): Promise<number[]> {
  const rows = profiles.map((profile, i) => ({ email: simulatedEmail(slug, i + 1), name: `Simulated ${profile} ${i + 1} (${slug})`, password_hash: '!', role: 'participant' as const, created_at: createdAt, simulated: profile }));
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const inserted = await db.insertInto('users').values(chunk).returning(['id', 'email']).execute();
    const byEmail = new Map(inserted.map((r) => [r.email, r.id]));
    for (const r of chunk) ids.push(byEmail.get(r.email)!);
  }
  return ids;
}

/** The challenge's simulated accounts, by id. */
export async function simulatedUsers(db: Db, slug: string): Promise<Array<{ id: number; simulated: string }>> {
  const rows = await db.selectFrom('users').select(['id', 'email', 'simulated']).where('simulated', 'is not', null).where('email', 'like', `%@${DOMAIN}`).orderBy('id').execute();
  return rows.filter((r) => ofChallenge(slug, r.email)).map((r) => ({ id: r.id, simulated: r.simulated! }));
}

/** Splits a long id list so no statement passes the databases' parameter limits. */
export function* chunks<T>(items: T[], size = 500): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
