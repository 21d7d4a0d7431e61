/**
 * Volunteer-computing badges, as ATLAS@Home gives them (issue 14), in the same three families as the
 * crowd's badges (src/crowd/stats.ts) so one profile shows both kinds of contribution side by side:
 * - quarks for recent work: the percentile of recent average credit among everyone with some;
 * - leptons for perseverance: distinct days on which credit was granted, up to the tau neutrino at 180;
 * - bosons for years of involvement: from the first credit to the latest, up to the Higgs at 5 years.
 * Each family shows its highest badge reached. Pure: the caller supplies the figures.
 */
import type { Badge } from '../crowd/stats.js';

/** Top percentiles of recent average credit, best first. */
export const QUARK_LADDER: ReadonlyArray<{ name: string; topPercent: number }> = [
  { name: 'top quark', topPercent: 1 },
  { name: 'bottom quark', topPercent: 5 },
  { name: 'charm quark', topPercent: 10 },
  { name: 'strange quark', topPercent: 25 },
  { name: 'down quark', topPercent: 50 },
  { name: 'up quark', topPercent: 100 },
];

/** Distinct days with credit granted, lowest first. */
export const LEPTON_LADDER: ReadonlyArray<{ name: string; days: number }> = [
  { name: 'electron', days: 1 },
  { name: 'electron neutrino', days: 7 },
  { name: 'muon', days: 30 },
  { name: 'muon neutrino', days: 60 },
  { name: 'tau', days: 120 },
  { name: 'tau neutrino', days: 180 },
];

/** Whole years (of 365 days) from the first credit to the latest, lowest first. */
export const BOSON_LADDER: ReadonlyArray<{ name: string; years: number }> = [
  { name: 'photon', years: 1 },
  { name: 'gluon', years: 2 },
  { name: 'Z boson', years: 3 },
  { name: 'W boson', years: 4 },
  { name: 'Higgs boson', years: 5 },
];

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

/**
 * Where a recent average credit ranks among all volunteers' positive ones, as a top percentile
 * (100 × rank / volunteers, ties sharing the better rank); null for no recent credit.
 */
export function racPercentile(mine: number, everyone: readonly number[]): number | null {
  if (!(mine > 0)) return null;
  const positive = everyone.filter((r) => r > 0);
  const better = positive.filter((r) => r > mine).length;
  return ((better + 1) / Math.max(positive.length, 1)) * 100;
}

export interface ComputeFigures {
  /** From racPercentile. */
  racPercentile: number | null;
  /** Distinct UTC days on which the volunteer was granted credit. */
  creditDays: number;
  /** First and latest grant of credit (ms since the epoch); null before any. */
  firstCreditAt: number | null;
  lastCreditAt: number | null;
}

export function computeBadges(f: ComputeFigures): Badge[] {
  const badges: Badge[] = [];
  const quark = f.racPercentile === null ? undefined : QUARK_LADDER.find((q) => f.racPercentile! <= q.topPercent);
  if (quark) badges.push({ family: 'quark', name: quark.name, why: `top ${quark.topPercent}% of recent average credit` });
  const lepton = [...LEPTON_LADDER].reverse().find((l) => f.creditDays >= l.days);
  if (lepton) badges.push({ family: 'lepton', name: lepton.name, why: `credit granted on ${lepton.days}+ distinct days` });
  if (f.firstCreditAt !== null && f.lastCreditAt !== null) {
    const years = (f.lastCreditAt - f.firstCreditAt) / YEAR_MS;
    const boson = [...BOSON_LADDER].reverse().find((b) => years >= b.years);
    if (boson) badges.push({ family: 'boson', name: boson.name, why: `computing for ${boson.years}+ year${boson.years > 1 ? 's' : ''}` });
  }
  return badges;
}

/** The profile's "How badges work" lines for computing, from the ladders themselves. */
export function computeBadgeExplanations(): Array<{ family: string; text: string }> {
  return [
    { family: 'Quarks', text: `for recent computing: ${[...QUARK_LADDER].reverse().map((q) => `${q.name} = top ${q.topPercent}%`).join(', ')} of recent average credit.` },
    { family: 'Leptons', text: `for perseverance: ${LEPTON_LADDER.map((l) => `${l.name} = credit on ${l.days} distinct day${l.days > 1 ? 's' : ''}`).join(', ')}.` },
    { family: 'Bosons', text: `for years of involvement: ${BOSON_LADDER.map((b) => `${b.name} = ${b.years} year${b.years > 1 ? 's' : ''} from the first credit to the latest`).join(', ')}.` },
  ];
}
