import type { Db } from '../db/index.js';
import { humanDate, timeLeft } from '../web/render.js';
import { metricHumanName } from './metric-names.js';
import { challengesWithLiveCrowd, listChallenges, submissionCounts, type Challenge } from './repo.js';
import { phase } from './service.js';

/** One challenge of the list page: what a visitor weighs before joining. */
export interface ChallengeCard {
  slug: string;
  title: string;
  phase: ReturnType<typeof phase>;
  metricName: string;
  higherIsBetter: boolean;
  classCount: number;
  entrants: number;
  submissions: number;
  /** "closes in 3 days 4 hours", "opens in 2 days", "closed 5 Mar 2026": `countdownTo` is the time the page's script counts down to. */
  timing: { label: 'opens' | 'closes' | 'closed'; countdown: string | null; countdownTo: string | null; closedOn: string | null };
  /** Where volunteers classify this challenge's objects, when its crowd workflow is live. */
  crowdHref: string | null;
}

function timingOf(c: Challenge, now: Date): ChallengeCard['timing'] {
  const p = phase(c, now);
  if (p === 'upcoming') return { label: 'opens', countdown: timeLeft(c.opens_at, now.getTime()), countdownTo: c.opens_at, closedOn: null };
  if (p === 'open') return { label: 'closes', countdown: timeLeft(c.closes_at, now.getTime()), countdownTo: c.closes_at, closedOn: null };
  // Closed by its organizers before its closing time: the planned date would be wrong.
  return { label: 'closed', countdown: null, countdownTo: null, closedOn: c.closes_at <= now.toISOString() ? humanDate(c.closes_at) : null };
}

/** Every published or closed challenge with its entrants, submissions, time left and whether volunteers can join. */
export async function challengeCards(db: Db, now = new Date()): Promise<ChallengeCard[]> {
  const [challenges, counts, crowd] = await Promise.all([listChallenges(db), submissionCounts(db), challengesWithLiveCrowd(db)]);
  return challenges.map((c) => ({
    slug: c.slug,
    title: c.title,
    phase: phase(c, now),
    metricName: metricHumanName(c.metric),
    higherIsBetter: c.higherIsBetter,
    classCount: c.classes.length,
    entrants: counts.get(c.id)?.entrants ?? 0,
    submissions: counts.get(c.id)?.submissions ?? 0,
    timing: timingOf(c, now),
    crowdHref: crowd.has(c.id) ? `/crowd/${c.slug}/classify` : null,
  }));
}
