/**
 * Volunteer-computing credit, as BOINC keeps it (issue 14): a total, and a recent average credit
 * (RAC) in credit per day that halves for every week without new credit. Pure functions over
 * times in milliseconds; the caller stores { rac, racAt } per volunteer and per host.
 */

export const DAY_MS = 86_400_000;
/** BOINC's half-life for the recent average: one week. */
export const RAC_HALF_LIFE_MS = 7 * DAY_MS;

export interface RecentAverage {
  /** Credit per day, recently. */
  rac: number;
  /** When `rac` was last brought up to date (ms since the epoch); null before any credit. */
  racAt: number | null;
}

/** The average as a credit row stores it (`rac`, and `rac_at` as ISO text). */
export const storedAverage = (row: { rac: number; rac_at: string | null }): RecentAverage => ({ rac: row.rac, racAt: row.rac_at ? Date.parse(row.rac_at) : null });

/**
 * The average after `credit` is granted at `now`. The old average decays by 2^(-elapsed/half-life);
 * the new credit counts as spread evenly over the time since the last update, weighted by the share
 * of the average that decayed meanwhile, so steady work of c per day converges to c. A first grant
 * counts as done over the time since the work started.
 */
export function addCredit(avg: RecentAverage, credit: number, now: number, workStartedAt: number, halfLifeMs = RAC_HALF_LIFE_MS): RecentAverage {
  if (!(credit >= 0) || !Number.isFinite(credit)) throw new Error(`credit must be a finite number >= 0, not ${credit}`);
  if (avg.racAt === null) {
    if (credit === 0) return { rac: 0, racAt: now };
    // At least a second of work, so a result reported the instant it was sent cannot claim an unbounded rate.
    const days = Math.max(now - workStartedAt, 1000) / DAY_MS;
    return { rac: credit / days, racAt: now };
  }
  const elapsed = Math.max(0, now - avg.racAt);
  const weight = Math.exp((-elapsed * Math.LN2) / halfLifeMs);
  const decayed = 1 - weight;
  // Over a very short interval (1 - weight)/elapsed tends to ln2/half-life; use the limit to avoid 0/0.
  const added = decayed > 1e-6 ? decayed * (credit / (elapsed / DAY_MS)) : (Math.LN2 * credit * DAY_MS) / halfLifeMs;
  return { rac: avg.rac * weight + added, racAt: now };
}

/** The average as it stands at `now` with no new credit: only the decay. */
export function racAt(avg: RecentAverage, now: number, halfLifeMs = RAC_HALF_LIFE_MS): number {
  if (avg.racAt === null) return 0;
  return avg.rac * Math.exp((-Math.max(0, now - avg.racAt) * Math.LN2) / halfLifeMs);
}

/**
 * Credit for a work unit from its estimated floating-point operations, in BOINC's cobblestones: 200
 * credits per day of a computer sustaining 1 GFLOPS, i.e. 200 / 86,400e9 credit per operation.
 */
export const creditForFlops = (flops: number): number => (flops * 200) / 86_400e9;
