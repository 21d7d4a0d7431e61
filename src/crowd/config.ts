import { z } from 'zod';
import { DEFAULT_PRIOR_STRENGTH } from './aggregators/prior.js';

const list = (fallback: number[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x)) : fallback));

/** Crowd settings, read from the environment (CROWD_*) when the routes are built. */
const schema = z.object({
  /** HMAC secret for serve tokens; when unset one is generated once and stored in crowd_settings. */
  CROWD_SECRET: z.string().min(16).optional(),
  /** Votes per minute per volunteer (signed-in user or anonymous cookie). */
  CROWD_VOTES_PER_MINUTE_USER: z.coerce.number().int().positive().default(60),
  /** Votes per minute per client IP. */
  CROWD_VOTES_PER_MINUTE_IP: z.coerce.number().int().positive().default(300),
  /** A vote cast sooner than this after its subject was served is flagged and carries no weight until an organizer restores it. */
  CROWD_MIN_VOTE_MS: z.coerce.number().int().min(0).default(1500),
  /** A volunteer is held for review (none of their votes count until released) once more than this share of their votes was too fast… */
  CROWD_FAST_SHARE: z.coerce.number().min(0).max(1).default(0.3),
  /** …out of at least this many votes since their last release. */
  CROWD_FAST_MIN_VOTES: z.coerce.number().int().positive().default(10),
  /** Classify pages per minute per client address (each may store a served subject). */
  CROWD_SERVES_PER_MINUTE_IP: z.coerce.number().int().positive().default(300),
  /**
   * A consensus from fewer weighted votes than this is shown as "too few votes": it is left out of the
   * comparison tables (counted as an abstention) and never used as a crowd label for retraining.
   */
  CROWD_MIN_CONSENSUS_VOTES: z.coerce.number().int().min(1).default(3),
  /**
   * Dawid–Skene's prior on each volunteer's confusion matrix: this many pseudo-votes per true class,
   * spread as the population's answers to gold (see aggregators/prior.ts for the default's reasons).
   * Larger: one volunteer's few answers move their estimate less.
   */
  CROWD_PRIOR_STRENGTH: z.coerce.number().positive().default(DEFAULT_PRIOR_STRENGTH),
  /** Chance that a live serve goes to a known source (a train row served as a live subject) while any is left for the volunteer. */
  CROWD_KNOWN_SHARE: z.coerce.number().min(0).max(1).default(0.2),
  /** A serve token is valid this long. */
  CROWD_TOKEN_HOURS: z.coerce.number().positive().default(24),
  /**
   * How long the classify and vote routes may reuse a workflow's settings (ms). A change made through
   * this process shows at once; one made through another process shows within this. 0: read every time.
   */
  CROWD_WORKFLOW_CACHE_MS: z.coerce.number().int().min(0).default(5000),
  /** An unanswered subject is shown again on reload for this long (then the next one comes). */
  CROWD_RESERVE_MINUTES: z.coerce.number().positive().default(30),
  /**
   * Levels: level 2 needs this gold accuracy in every class, with at least CROWD_LEVEL2_MIN_GOLD gold answers in each
   * (all of a class's gold subjects when it has fewer, since each can be answered once).
   */
  CROWD_LEVEL2_ACCURACY: z.coerce.number().min(0).max(1).default(0.7),
  CROWD_LEVEL2_MIN_GOLD: z.coerce.number().int().positive().default(10),
  /** A streak day counts only when that day's gold accuracy is at least this. */
  CROWD_STREAK_FLOOR: z.coerce.number().min(0).max(1).default(0.6),
  /** Quarks: top percentiles of contribution (information) over the last CROWD_QUARK_DAYS days. */
  CROWD_QUARK_PERCENTILES: list([1, 5, 25]),
  CROWD_QUARK_DAYS: z.coerce.number().int().positive().default(30),
  /** Leptons: distinct active days. */
  CROWD_LEPTON_DAYS: list([3, 10, 30]),
  /** Bosons: days since the first classification. */
  CROWD_BOSON_DAYS: list([7, 30, 180]),
});

export type CrowdConfig = z.infer<typeof schema>;

export function loadCrowdConfig(env: NodeJS.ProcessEnv = process.env): CrowdConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid crowd configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export const QUARK_NAMES = ['top quark', 'charm quark', 'up quark'];
export const LEPTON_NAMES = ['electron', 'muon', 'tau'];
export const BOSON_NAMES = ['photon', 'W boson', 'Higgs boson'];
