/** Volunteers' side: profile figures, levels, badges, streaks and leaderboards. */
import type { Db } from '../db/index.js';
import { BOSON_NAMES, LEPTON_NAMES, QUARK_NAMES, type CrowdConfig } from './config.js';
import { CLASS_COLOURS, skyMapSvg } from './svg.js';

/** Sky-map colour of a live subject whose answer the viewer may not see. */
const PRIVATE_ANSWER_COLOUR = '#9aa0a6';

export interface ClassGold {
  name: string;
  answered: number;
  correct: number;
  rate: number | null;
  /** Gold answers the level-2 rule asks for in this class: CROWD_LEVEL2_MIN_GOLD, or every gold subject of the class when there are fewer. */
  needed: number;
  /** Meets the level-2 rule in this class. */
  ok: boolean;
}

export interface Badge {
  family: 'quark' | 'lepton' | 'boson';
  name: string;
  why: string;
}

export interface Profile {
  userId: number;
  name: string;
  /** The simulated profile (expert, skilled...) of a simulated volunteer; null for a real one. */
  simulated: string | null;
  classifications: number;
  live: number;
  gold: number;
  goldCorrect: number;
  infoBits: number;
  perClass: ClassGold[];
  level: number;
  streak: number;
  activeDays: number;
  firstDay: string | null;
  badges: Badge[];
  recentInfoBits: number;
  recentPercentile: number | null;
  skyMap: string;
  workflows: Array<{ slug: string; title: string; votes: number; expert: boolean }>;
}

const DAY = 86400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type LevelRule = Pick<CrowdConfig, 'CROWD_LEVEL2_ACCURACY' | 'CROWD_LEVEL2_MIN_GOLD'>;

/**
 * A volunteer's standing in one class for level 2: at least CROWD_LEVEL2_MIN_GOLD gold answers with
 * gold accuracy of at least CROWD_LEVEL2_ACCURACY. A class with fewer gold subjects than that
 * (`available`, summed over the volunteer's workflows) asks for all of them, as each gold subject can
 * be answered once: otherwise a rare class would keep everyone at level 1.
 */
export function classStanding(name: string, tally: { answered: number; correct: number; available: number }, rule: LevelRule): ClassGold {
  const { answered, correct } = tally;
  const needed = Math.min(rule.CROWD_LEVEL2_MIN_GOLD, tally.available);
  const rate = answered ? correct / answered : null;
  return { name, answered, correct, rate, needed, ok: answered >= needed && (needed === 0 || (rate !== null && rate >= rule.CROWD_LEVEL2_ACCURACY)) };
}

/** Level 2 when the rule holds in every class (and at least one class has gold to be tested on), else 1. */
export function levelOf(classes: ClassGold[]): 1 | 2 {
  return classes.some((c) => c.needed > 0) && classes.every((c) => c.ok) ? 2 : 1;
}

/** Days that count toward the streak: that day's gold accuracy is at least the floor (a day without gold answers does not count). */
export function qualifyingDays(days: Map<string, { gold: number; correct: number }>, floor: number): Set<string> {
  return new Set([...days].filter(([, d]) => d.gold > 0 && d.correct / d.gold >= floor).map(([day]) => day));
}

/** Consecutive qualifying days ending today (or yesterday, as today may not have started). */
export function streakLength(qualifying: Set<string>, today = Date.now()): number {
  let t = qualifying.has(dayOf(today)) ? today : today - DAY;
  let n = 0;
  while (qualifying.has(dayOf(t))) {
    n++;
    t -= DAY;
  }
  return n;
}

/**
 * Sum of credit per user since a time (all users with any), over votes that carry weight. Credit, not
 * the posterior-based info_bits: see credit.ts. `live` counts weighted live votes, not the stored
 * counted flag, which under adaptive retirement depends on whether others retired the subject first.
 */
async function contributions(db: Db, since: string | null) {
  let q = db
    .selectFrom('crowd_votes as v')
    .innerJoin('users as u', 'u.id', 'v.user_id')
    .select((eb) => ['v.user_id', 'u.name', 'u.simulated', eb.fn.sum<number>('v.credit_bits').as('info'), eb.fn.countAll<number>().as('votes'), eb.fn.sum<number>(eb.case().when('v.is_gold', '=', 0).then(1).else(0).end()).as('counted'), eb.fn.sum<number>('v.is_gold').as('gold'), eb.fn.sum<number>('v.correct').as('gold_correct')])
    .where('v.weight', '>', 0)
    .groupBy(['v.user_id', 'u.name', 'u.simulated']);
  if (since) q = q.where('v.created_at', '>=', since);
  const rows = await q.execute();
  return rows.map((r) => ({
    userId: Number(r.user_id),
    name: r.name,
    simulated: r.simulated !== null,
    info: Number(r.info ?? 0),
    votes: Number(r.votes),
    counted: Number(r.counted ?? 0),
    gold: Number(r.gold ?? 0),
    goldCorrect: Number(r.gold_correct ?? 0),
  }));
}

export interface BoardRow {
  rank: number;
  userId: number;
  name: string;
  /** A simulated volunteer (`sift crowd simulate`). */
  simulated: boolean;
  infoBits: number;
  votes: number;
  counted: number;
  goldRate: number | null;
}

/** Ranked by information contributed (SWAP bits), raw counts alongside; ties by more votes, then name. */
export async function leaderboard(db: Db, since: string | null, limit = 100): Promise<BoardRow[]> {
  const rows = await contributions(db, since);
  rows.sort((a, b) => b.info - a.info || b.votes - a.votes || a.name.localeCompare(b.name));
  return rows.slice(0, limit).map((r, i) => ({ rank: i + 1, userId: r.userId, name: r.name, simulated: r.simulated, infoBits: r.info, votes: r.votes, counted: r.counted, goldRate: r.gold ? r.goldCorrect / r.gold : null }));
}

export const weekAgo = (now = Date.now()) => new Date(now - 7 * DAY).toISOString();

/** Where a volunteer's contribution ranks among everyone's, as a top percentile (100 × rank / volunteers); null without any. */
export function contributionPercentile(all: Array<{ userId: number; info: number }>, userId: number): number | null {
  const mine = all.find((r) => r.userId === userId);
  if (!mine || !(mine.info > 0)) return null;
  const better = all.filter((r) => r.info > mine.info).length;
  return ((better + 1) / all.length) * 100;
}

/** Whole days from the first classification's UTC day to `now`. */
export const daysSince = (firstDay: string, now: number): number => Math.floor((now - Date.parse(`${firstDay}T00:00:00Z`)) / DAY);

/** The highest badge reached in each family (thresholds from the configuration). */
export function badgesFor(f: { percentile: number | null; activeDays: number; involvedDays: number | null }, cfg: CrowdConfig): Badge[] {
  const badges: Badge[] = [];
  const qp = cfg.CROWD_QUARK_PERCENTILES;
  const qi = f.percentile === null ? -1 : qp.findIndex((p) => f.percentile! <= p);
  if (qi >= 0) badges.push({ family: 'quark', name: QUARK_NAMES[qi] ?? `quark ${qi + 1}`, why: `top ${qp[qi]}% of information contributed in the last ${cfg.CROWD_QUARK_DAYS} days` });
  const li = lastReached(cfg.CROWD_LEPTON_DAYS, f.activeDays);
  if (li >= 0) badges.push({ family: 'lepton', name: LEPTON_NAMES[li] ?? `lepton ${li + 1}`, why: `active on ${cfg.CROWD_LEPTON_DAYS[li]}+ distinct days` });
  const bi = f.involvedDays === null ? -1 : lastReached(cfg.CROWD_BOSON_DAYS, f.involvedDays);
  if (bi >= 0) badges.push({ family: 'boson', name: BOSON_NAMES[bi] ?? `boson ${bi + 1}`, why: `classifying for ${cfg.CROWD_BOSON_DAYS[bi]}+ days` });
  return badges;
}

/** A volunteer's figures from the votes that carry weight: a fast vote not restored, or a held volunteer's, earns no level, streak or badge. */
/**
 * A volunteer's profile. Answers on live (test) subjects are shown only when `showLiveAnswers`
 * (the volunteer's own view): to anyone else they would be labels of the test set, and a simulated
 * volunteer's answers are drawn from the hidden solution itself. Gold answers come from the public
 * training set and are always shown.
 */
export async function profile(db: Db, userId: number, cfg: CrowdConfig, opts: { now?: number; showLiveAnswers?: boolean } = {}): Promise<Profile | null> {
  const now = opts.now ?? Date.now();
  const user = await db.selectFrom('users').select(['id', 'name', 'simulated']).where('id', '=', userId).executeTakeFirst();
  if (!user) return null;
  const votes = await db
    .selectFrom('crowd_votes as v')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .innerJoin('crowd_workflows as w', 'w.id', 'v.workflow_id')
    .select(['v.answer', 'v.is_gold', 'v.correct', 'v.day', 'v.credit_bits', 'v.created_at', 's.gold_class', 's.ra', 's.dec', 's.external_id', 'w.classes_json', 'w.id as wid'])
    .where('v.user_id', '=', userId)
    .where('v.weight', '>', 0)
    .orderBy('v.id')
    .execute();
  const classNames: string[] = [];
  const perClass = new Map<string, { answered: number; correct: number }>();
  const days = new Map<string, { gold: number; correct: number }>();
  const classesByWf = new Map<number, string[]>();
  let info = 0, gold = 0, goldCorrect = 0;
  const points: Array<{ ra: number; dec: number; colour: string; title: string }> = [];
  for (const v of votes) {
    let classes = classesByWf.get(v.wid);
    if (!classes) {
      classesByWf.set(v.wid, (classes = JSON.parse(v.classes_json) as string[]));
      for (const c of classes) if (!classNames.includes(c)) classNames.push(c);
    }
    info += v.credit_bits;
    const d = days.get(v.day) ?? { gold: 0, correct: 0 };
    days.set(v.day, d);
    if (v.is_gold && v.gold_class !== null) {
      gold++;
      const name = classes[v.gold_class];
      const pc = perClass.get(name) ?? { answered: 0, correct: 0 };
      perClass.set(name, pc);
      pc.answered++;
      d.gold++;
      if (v.correct) {
        pc.correct++;
        goldCorrect++;
        d.correct++;
      }
    }
    if (v.ra !== null && v.dec !== null) {
      const name = classes[v.answer];
      if (v.is_gold || opts.showLiveAnswers) points.push({ ra: v.ra, dec: v.dec, colour: CLASS_COLOURS[classNames.indexOf(name) % CLASS_COLOURS.length], title: `${v.external_id}: ${name}` });
      else points.push({ ra: v.ra, dec: v.dec, colour: PRIVATE_ANSWER_COLOUR, title: v.external_id });
    }
  }
  // Gold subjects of each class in the volunteer's workflows: a class with fewer than the rule's count asks for all of them.
  const available = new Map<string, number>();
  if (classesByWf.size) {
    const goldCounts = await db
      .selectFrom('crowd_subjects')
      .select((eb) => ['workflow_id', 'gold_class', eb.fn.countAll<number>().as('n')])
      .where('workflow_id', 'in', [...classesByWf.keys()])
      .where('is_gold', '=', 1)
      .where('gold_class', 'is not', null)
      .groupBy(['workflow_id', 'gold_class'])
      .execute();
    for (const g of goldCounts) {
      const name = classesByWf.get(g.workflow_id)![g.gold_class!];
      if (name !== undefined) available.set(name, (available.get(name) ?? 0) + Number(g.n));
    }
  }
  const classes: ClassGold[] = classNames.map((name) => classStanding(name, { ...(perClass.get(name) ?? { answered: 0, correct: 0 }), available: available.get(name) ?? 0 }, cfg));
  const level = levelOf(classes);
  const qualifying = qualifyingDays(days, cfg.CROWD_STREAK_FLOOR);
  const activeDays = days.size;
  // The earliest vote, not the first id: votes imported or replayed out of order still date the involvement right.
  const firstDay = votes.length ? votes.reduce((min, v) => (v.created_at < min ? v.created_at : min), votes[0].created_at).slice(0, 10) : null;

  // Quarks: rank of this volunteer's recent contribution among everyone's.
  const recent = await contributions(db, new Date(now - cfg.CROWD_QUARK_DAYS * DAY).toISOString());
  const mine = recent.find((r) => r.userId === userId);
  const percentile = contributionPercentile(recent, userId);
  const badges = badgesFor({ percentile, activeDays, involvedDays: firstDay ? daysSince(firstDay, now) : null }, cfg);

  const wfs = await db
    .selectFrom('crowd_volunteers as v')
    .innerJoin('crowd_workflows as w', 'w.id', 'v.workflow_id')
    .innerJoin('challenges as c', 'c.id', 'w.challenge_id')
    .select((eb) => [
      'c.slug',
      'c.title',
      'v.expert',
      eb.selectFrom('crowd_votes as x').select((e) => e.fn.countAll<number>().as('n')).whereRef('x.workflow_id', '=', 'v.workflow_id').where('x.user_id', '=', userId).where('x.weight', '>', 0).as('n_votes'),
    ])
    .where('v.user_id', '=', userId)
    .execute();
  return {
    userId,
    name: user.name,
    simulated: user.simulated,
    classifications: votes.length,
    live: votes.length - gold,
    gold,
    goldCorrect,
    infoBits: info,
    perClass: classes,
    level,
    streak: streakLength(qualifying, now),
    activeDays,
    firstDay,
    badges,
    recentInfoBits: mine?.info ?? 0,
    recentPercentile: percentile,
    skyMap: skyMapSvg(points, 480, [
      ...classNames.map((c, i) => ({ label: c, colour: CLASS_COLOURS[i % CLASS_COLOURS.length] })),
      ...(points.some((p) => p.colour === PRIVATE_ANSWER_COLOUR) ? [{ label: 'live source (answer private)', colour: PRIVATE_ANSWER_COLOUR }] : []),
    ]),
    workflows: wfs.map((w) => ({ slug: w.slug, title: w.title, votes: Number(w.n_votes ?? 0), expert: w.expert === 1 })),
  };
}

/** Index of the highest threshold reached (thresholds ascending), -1 for none. */
function lastReached(thresholds: number[], value: number): number {
  let i = -1;
  thresholds.forEach((t, j) => {
    if (value >= t) i = j;
  });
  return i;
}

export function badgeExplanations(cfg: CrowdConfig) {
  return [
    { family: 'Quarks', text: `for the top percentiles of recent contribution: ${cfg.CROWD_QUARK_PERCENTILES.map((p, i) => `${QUARK_NAMES[i] ?? 'quark'} = top ${p}%`).join(', ')} of the information added in the last ${cfg.CROWD_QUARK_DAYS} days.` },
    { family: 'Leptons', text: `for perseverance: ${cfg.CROWD_LEPTON_DAYS.map((d, i) => `${LEPTON_NAMES[i] ?? 'lepton'} = active on ${d} distinct days`).join(', ')}.` },
    { family: 'Bosons', text: `for long involvement: ${cfg.CROWD_BOSON_DAYS.map((d, i) => `${BOSON_NAMES[i] ?? 'boson'} = ${d} days since your first classification`).join(', ')}.` },
  ];
}
