/**
 * The volunteer-computing side of a volunteer's profile (issue 14, section 4): credit, recent average
 * credit and the quark / lepton / boson badges, beside the crowd's on one page; and the two fields a
 * volunteer sets themselves: their country (for the map; never guessed from the IP address) and a
 * short profile line (shown when they are the volunteer of the day).
 */
import { z } from 'zod';
import type { Db } from '../db/index.js';
import { formString } from '../web/validate.js';
import { computeBadges, racPercentile } from './badges.js';
import { racAt, storedAverage } from './credit.js';
import { countryByCode } from './world-map.js';

export const PROFILE_LINE_MAX = 140;

/** The /profile form: empty fields clear the value. */
export const volunteerProfileForm = z.strictObject({
  _csrf: z.string().optional(),
  country: z
    .string({ error: 'must be a country code from the list' })
    .trim()
    .max(3, 'must be a country code from the list')
    .refine((code) => code === '' || countryByCode(code) !== undefined, { message: 'must be a country code from the list (ISO 3166-1 numeric, e.g. 756)' })
    .optional(),
  profile_line: formString(PROFILE_LINE_MAX)
    .trim()
    .refine((s) => !/[\r\n]/.test(s), { message: 'must be one line' })
    .optional(),
});

export async function setVolunteerProfile(db: Db, userId: number, form: z.infer<typeof volunteerProfileForm>): Promise<void> {
  const set: { country?: string | null; profile_line?: string | null } = {};
  if (form.country !== undefined) set.country = form.country || null;
  if (form.profile_line !== undefined) set.profile_line = form.profile_line || null;
  if (Object.keys(set).length) await db.updateTable('users').set(set).where('id', '=', userId).execute();
}

export async function volunteerProfileFields(db: Db, userId: number) {
  const u = await db.selectFrom('users').select(['country', 'profile_line']).where('id', '=', userId).executeTakeFirst();
  const country = u?.country ? countryByCode(u.country) : undefined;
  return { country: country ?? null, profileLine: u?.profile_line ?? null };
}

const utcDay = (iso: string) => iso.slice(0, 10);

/** Every volunteer's recent average credit, decayed to `now`. */
export async function allRecentAverages(db: Db, now: number): Promise<Map<number, number>> {
  const rows = await db.selectFrom('compute_credit').select(['user_id', 'rac', 'rac_at']).execute();
  return new Map(rows.map((r) => [r.user_id, racAt(storedAverage(r), now)]));
}

/** Credit, RAC and badges of one volunteer; zeros and no badges before their first valid result. */
export async function computeProfile(db: Db, userId: number, now = Date.now()) {
  const credit = await db.selectFrom('compute_credit').select(['total']).where('user_id', '=', userId).executeTakeFirst();
  const averages = await allRecentAverages(db, now);
  const rac = averages.get(userId) ?? 0;
  // Credit is granted when a result is validated; the result's report is the volunteer's work day.
  const granted = await db.selectFrom('compute_results').select(['reported_at']).where('user_id', '=', userId).where('state', '=', 'valid').where('reported_at', 'is not', null).orderBy('reported_at').execute();
  const days = new Set(granted.map((r) => utcDay(r.reported_at!)));
  const first = granted.length ? Date.parse(granted[0].reported_at!) : null;
  const last = granted.length ? Date.parse(granted[granted.length - 1].reported_at!) : null;
  const percentile = racPercentile(rac, [...averages.values()]);
  return {
    total: credit?.total ?? 0,
    rac,
    racPercentile: percentile,
    validResults: granted.length,
    creditDays: days.size,
    firstContributionAt: first === null ? null : new Date(first).toISOString(),
    badges: computeBadges({ racPercentile: percentile, creditDays: days.size, firstCreditAt: first, lastCreditAt: last }),
  };
}
