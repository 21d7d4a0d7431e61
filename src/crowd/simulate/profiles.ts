/**
 * Simulated volunteer profiles: each volunteer answers from a confusion matrix (row = true class,
 * column = answer) drawn from one profile, and spends a time on each page drawn from that profile.
 * Pure functions; the same random stream gives the same crowd.
 */
export const PROFILES = ['expert', 'skilled', 'noisy', 'biased', 'spammer'] as const;
export type Profile = (typeof PROFILES)[number];
export type ProfileChoice = Profile | 'mixed';

/** Shares of each profile in a mixed crowd: mostly skilled, some of every other kind. */
export const MIXED_SHARES: Record<Profile, number> = { expert: 0.1, skilled: 0.5, noisy: 0.15, biased: 0.15, spammer: 0.1 };

/** Per-class accuracy ranges (the issue's: skilled 0.5 to 0.9), for five classes; accuracyRange lifts them above chance for fewer. */
const ACCURACY: Record<'expert' | 'skilled' | 'noisy', [number, number]> = { expert: [0.95, 0.99], skilled: [0.5, 0.9], noisy: [0, 0.45] };

/**
 * A profile's per-class accuracy range with k classes. Noisy volunteers sit between chance and 0.45,
 * worse than skilled but better than a coin; skilled ones at least 0.1 above chance. With two classes
 * (HiggsML's s and b) chance is 0.5, so the five-class ranges would make noisy volunteers worse than a
 * coin and some skilled ones no better: there noisy is 0.55 to 0.65 and skilled 0.6 to 0.9.
 */
export function accuracyRange(profile: 'expert' | 'skilled' | 'noisy', k: number): [number, number] {
  const chance = 1 / k;
  const [lo, hi] = ACCURACY[profile];
  if (profile === 'noisy') return [chance + 0.05, Math.max(hi, chance + 0.15)];
  if (profile === 'skilled') return [Math.max(lo, chance + 0.1), hi];
  return [lo, hi];
}

export interface SimulatedVolunteer {
  profile: Profile;
  /** k × k, row = true class, column = answer. */
  confusion: Float64Array;
  /** What the profile does in words (for the CLI summary), e.g. "calls XRB AGN". */
  note: string;
  /** Relative share of the crowd's votes this volunteer casts (a few volunteers do most of the work). */
  activity: number;
  /** Time on page, ms: uniform in [min, max]. */
  pageMs: [number, number];
}

const between = (rng: () => number, [lo, hi]: [number, number]) => lo + (hi - lo) * rng();

/** A row with `acc` on the diagonal, the rest spread unevenly over the other classes. */
function accuracyRow(rng: () => number, k: number, t: number, acc: number): Float64Array {
  const row = new Float64Array(k);
  if (k === 1) return row.fill(1);
  let z = 0;
  for (let a = 0; a < k; a++) if (a !== t) z += row[a] = 0.1 + rng();
  for (let a = 0; a < k; a++) row[a] = a === t ? acc : (row[a] / z) * (1 - acc);
  return row;
}

/** The profile of each of n volunteers: one profile for all, or the mixed shares (rounded, then shuffled). */
export function drawProfiles(rng: () => number, n: number, choice: ProfileChoice): Profile[] {
  if (choice !== 'mixed') return Array.from({ length: n }, () => choice);
  const out: Profile[] = [];
  let cum = 0;
  for (const p of PROFILES) {
    cum += MIXED_SHARES[p];
    while (out.length < Math.round(cum * n)) out.push(p);
  }
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * One volunteer of a profile. A class-biased volunteer is skilled except that one class is mostly
 * (80%) called another; with AGN and XRB among the classes the bias is the classic one, XRBs called
 * AGN, else a random pair. A spammer answers at random, or (half of them) always the same class.
 * `minVoteMs` is the fastest a vote may be and still count: every profile stays above it, spammers
 * just above.
 */
export function drawVolunteer(rng: () => number, profile: Profile, classes: string[], minVoteMs: number): SimulatedVolunteer {
  const k = classes.length;
  const confusion = new Float64Array(k * k);
  const setRow = (t: number, row: Float64Array) => confusion.set(row, t * k);
  let note = '';
  const floor = minVoteMs + 500;
  let pageMs: [number, number] = [floor + 4000, floor + 30_000];
  switch (profile) {
    case 'expert':
    case 'skilled':
    case 'noisy':
      for (let t = 0; t < k; t++) setRow(t, accuracyRow(rng, k, t, between(rng, accuracyRange(profile, k))));
      note = profile;
      if (profile === 'expert') pageMs = [floor + 8000, floor + 45_000];
      break;
    case 'biased': {
      let from = classes.indexOf('XRB');
      let to = classes.indexOf('AGN');
      if (from < 0 || to < 0 || rng() < 0.5) {
        from = Math.floor(rng() * k);
        to = k > 1 ? (from + 1 + Math.floor(rng() * (k - 1))) % k : from;
      }
      for (let t = 0; t < k; t++) {
        if (t !== from) setRow(t, accuracyRow(rng, k, t, between(rng, [0.7, 0.9])));
        else {
          const row = accuracyRow(rng, k, t, 0.1).map((p) => p * 0.2);
          row[to] += 0.8;
          setRow(t, row);
        }
      }
      note = `calls ${classes[from]} ${classes[to]}`;
      break;
    }
    case 'spammer':
      if (rng() < 0.5) {
        confusion.fill(1 / k);
        note = 'random answers';
      } else {
        const c = Math.floor(rng() * k);
        for (let t = 0; t < k; t++) confusion[t * k + c] = 1;
        note = `always ${classes[c]}`;
      }
      pageMs = [floor, floor + 2000];
      break;
  }
  // Pareto-like activity: most volunteers do a little, a few do a lot (as in real projects).
  const activity = 1 / Math.pow(1 - rng() * 0.99, 0.8);
  return { profile, confusion, note, activity, pageMs };
}
