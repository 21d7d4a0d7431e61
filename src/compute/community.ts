/**
 * The Compute page's community block (issue 14, section 4): the volunteer of the day and the world
 * map of contributors by credit. views/partials/compute-community.hbs renders what computeCommunity returns.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/index.js';
import { contributorMapSvg, countryByCode } from './world-map.js';
import { racAt, storedAverage } from './credit.js';

/** A volunteer of the day is drawn among those with a valid result in this many days before the day. */
export const VOLUNTEER_OF_THE_DAY_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The index drawn for a UTC date among `n` candidates: a hash of the date, so every process and every
 * request of that day draws the same volunteer, and the next day most likely another.
 */
export function drawForDate(day: string, n: number): number {
  return crypto.createHash('sha256').update(`volunteer-of-the-day\u0000${day}`).digest().readUInt32BE(0) % n;
}

/** Credit per chosen country (ISO numeric code), with its volunteers; countries no one chose are absent. */
export async function creditByCountry(db: Db) {
  const rows = await db
    .selectFrom('compute_credit as cc')
    .innerJoin('users as u', 'u.id', 'cc.user_id')
    .select((eb) => ['u.country', eb.fn.sum<number>('cc.total').as('credit'), eb.fn.countAll<number>().as('volunteers')])
    .where('u.country', 'is not', null)
    .where('cc.total', '>', 0)
    .groupBy('u.country')
    .execute();
  return rows.filter((r) => countryByCode(r.country!)).map((r) => ({ code: r.country!, name: countryByCode(r.country!)!.name, credit: Number(r.credit), volunteers: Number(r.volunteers) }));
}

/** Credit as the map's tooltips and legend print it: small totals (a few units of work) keep two decimals. */
export const formatCredit = (credit: number): string => (credit < 10 ? credit.toFixed(2) : Math.round(credit).toLocaleString('en'));

let mapCache: { key: string; svg: string } | null = null;

/** The map's SVG, drawn again only when some country's credit changed. */
function mapOf(countries: Awaited<ReturnType<typeof creditByCountry>>): string {
  const key = JSON.stringify(countries.map((c) => [c.code, c.credit]).sort());
  if (mapCache?.key !== key) mapCache = { key, svg: contributorMapSvg(new Map(countries.map((c) => [c.code, c.credit])), { format: formatCredit }) };
  return mapCache.svg;
}

export async function contributorMap(db: Db): Promise<string> {
  return mapOf(await creditByCountry(db));
}

export async function volunteerOfTheDay(db: Db, now: Date) {
  const day = now.toISOString().slice(0, 10);
  const dayStart = Date.parse(`${day}T00:00:00.000Z`);
  const since = new Date(dayStart - VOLUNTEER_OF_THE_DAY_WINDOW_DAYS * DAY_MS).toISOString();
  // Results reported before the day began, so the draw does not change while the day goes on.
  const candidates = await db
    .selectFrom('compute_results as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['u.id', 'u.name', 'u.profile_line', 'u.country'])
    .where('r.state', '=', 'valid')
    .where('r.reported_at', '>=', since)
    .where('r.reported_at', '<', new Date(dayStart).toISOString())
    .groupBy(['u.id', 'u.name', 'u.profile_line', 'u.country'])
    .orderBy('u.id')
    .execute();
  if (!candidates.length) return null;
  const v = candidates[drawForDate(day, candidates.length)];
  const credit = await db.selectFrom('compute_credit').select(['total', 'rac', 'rac_at']).where('user_id', '=', v.id).executeTakeFirst();
  const rac = credit ? racAt(storedAverage(credit), now.getTime()) : 0;
  return {
    id: v.id,
    name: v.name,
    profileLine: v.profile_line,
    country: v.country ? (countryByCode(v.country)?.name ?? null) : null,
    credit: credit?.total ?? 0,
    rac,
    profileUrl: `/crowd/users/${v.id}`,
  };
}

/** What the community partial shows: today's volunteer (drawn from the UTC date) and the map. */
export async function computeCommunity(db: Db, now = new Date()) {
  const [volunteer, countries] = await Promise.all([volunteerOfTheDay(db, now), creditByCountry(db)]);
  const mapSvg = mapOf(countries);
  return {
    date: now.toISOString().slice(0, 10),
    volunteerOfTheDay: volunteer,
    countries: countries.sort((a, b) => b.credit - a.credit),
    mapSvg,
    mapUrl: '/compute/map.svg',
  };
}

export type ComputeCommunity = Awaited<ReturnType<typeof computeCommunity>>;
