/**
 * `sift crowd simulate`: a simulated crowd that goes through the volunteers' own code path (serving
 * with its gold training, signed serve tokens, votes, online posterior, retirement, then the
 * consensus job's aggregators), on a simulated clock so every vote has a realistic time on page.
 */
import type { Db, DbHandle } from '../../db/index.js';
import { UserError } from '../../web/errors.js';
import { findChallengeBySlug } from '../../challenges/repo.js';
import { loadChallengeSolution } from '../../challenges/service.js';
import { seededRandom } from '../../seeded-random.js';
import { sample } from '../aggregators/simulate.js';
import type { CrowdConfig } from '../config.js';
import { runConsensus } from '../consensus.js';
import { workflowBySlug, type Workflow } from '../repo.js';
import { castVote, serveNext, userVoter } from '../service.js';
import { hashIp, tokenSecret, verifyServe } from '../token.js';
import { replaySubject } from '../weights.js';
import { drawProfiles, drawVolunteer, PROFILES, type Profile, type ProfileChoice } from './profiles.js';
import { chunks, insertSimulatedUsers, simulatedUsers } from './repo.js';
import type { ObjectStorage } from '../../storage/index.js';

export interface SimulateOptions {
  volunteers: number;
  votes: number;
  profile: ProfileChoice;
  seed: number;
  /** The votes are spread over this many days up to now (so streaks, badges and weekly boards have a history). */
  days: number;
  /** Run the consensus aggregators (Dawid–Skene and the rest) afterwards. */
  consensus: boolean;
  onProgress?: (votes: number) => void;
}

export interface SimulationSummary {
  workflowId: number;
  volunteers: number;
  votes: number;
  goldVotes: number;
  retired: number;
  byProfile: Partial<Record<Profile, { volunteers: number; votes: number; gold: number; goldCorrect: number }>>;
  consensus: boolean;
}

const DAY = 86400_000;

async function simulatedWorkflow(db: Db, slug: string): Promise<Workflow> {
  const wf = await workflowBySlug(db, slug);
  if (!wf) throw new UserError(404, 'not_found', `No crowd workflow for '${slug}': an organizer creates it first.`);
  return wf;
}

/** The true class (workflow code) of each subject: gold from the workflow, live from the hidden solution; -1 when unknown. */
async function truthOf(db: Db, storage: ObjectStorage, wf: Workflow): Promise<Map<number, number>> {
  const challenge = (await findChallengeBySlug(db, wf.slug))!;
  const solution = await loadChallengeSolution(storage, challenge);
  const toClass = solution.classes.map((c) => wf.classes.indexOf(c));
  const subjects = await db.selectFrom('crowd_subjects').select(['id', 'external_id', 'gold_class']).where('workflow_id', '=', wf.id).execute();
  const truth = new Map<number, number>();
  for (const s of subjects) {
    const row = solution.index.get(s.external_id);
    truth.set(s.id, s.gold_class ?? (row === undefined ? -1 : toClass[solution.label[row]]));
  }
  return truth;
}

/** Index into cumulative weights `cum` for u in [0, total). */
function pickIndex(cum: number[], u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Creates `volunteers` marked accounts and has them cast up to `votes` votes (fewer when every
 * volunteer has classified everything left to them). The same seed on the same workflow gives the
 * same accounts and the same votes. Refuses a challenge that already has a simulated crowd.
 */
export async function simulateCrowdVotes(handle: DbHandle, storage: ObjectStorage, slug: string, opts: SimulateOptions, cfg: CrowdConfig): Promise<SimulationSummary> {
  if (!Number.isInteger(opts.volunteers) || opts.volunteers < 1) throw new UserError(400, 'bad_volunteers', '--volunteers must be a positive whole number.');
  if (!Number.isInteger(opts.votes) || opts.votes < 0) throw new UserError(400, 'bad_votes', '--votes must be a whole number, 0 or more.');
  if (!Number.isInteger(opts.seed)) throw new UserError(400, 'bad_seed', '--seed must be a whole number.');
  if (!(opts.days > 0)) throw new UserError(400, 'bad_days', '--days must be positive.');
  if (opts.profile !== 'mixed' && !PROFILES.includes(opts.profile)) throw new UserError(400, 'bad_profile', `--profile must be mixed or one of ${PROFILES.join(', ')}.`);
  const wf = await simulatedWorkflow(handle.db, slug);
  if ((await simulatedUsers(handle.db, slug)).length) throw new UserError(409, 'already_simulated', `'${slug}' already has a simulated crowd; remove it first with --delete.`);

  const rng = seededRandom(opts.seed);
  const profiles = drawProfiles(rng, opts.volunteers, opts.profile);
  const crowd = profiles.map((p) => drawVolunteer(rng, p, wf.classes, cfg.CROWD_MIN_VOTE_MS));
  const truth = await truthOf(handle.db, storage, wf);
  const k = wf.classes.length;
  const end = Date.now();
  const start = end - opts.days * DAY;
  const step = (opts.days * DAY) / Math.max(1, opts.votes);
  const ids = await insertSimulatedUsers(handle.db, slug, profiles, new Date(start).toISOString());
  const secret = await tokenSecret(handle.db, cfg.CROWD_SECRET);
  const ipHash = hashIp(secret, 'simulated');

  let clock = start;
  const now = () => clock;
  const busyUntil = new Array<number>(crowd.length).fill(start);
  const active = crowd.map((_, i) => i);
  let cum: number[] = [];
  let total = 0;
  const reweigh = () => {
    total = 0;
    cum = active.map((i) => (total += crowd[i].activity));
  };
  reweigh();

  const summary: SimulationSummary = { workflowId: wf.id, volunteers: ids.length, votes: 0, goldVotes: 0, retired: 0, byProfile: {}, consensus: false };
  for (const p of profiles) {
    const b = (summary.byProfile[p] ??= { volunteers: 0, votes: 0, gold: 0, goldCorrect: 0 });
    b.volunteers++;
  }
  for (let n = 0; summary.votes < opts.votes && active.length; n++) {
    const slot = pickIndex(cum, rng() * total);
    const v = active[slot];
    const sim = crowd[v];
    const voter = userVoter(ids[v]);
    // A volunteer opens the next page only after answering the last one.
    clock = Math.max(start + n * step, busyUntil[v] + 1000);
    const served = await serveNext(handle, wf, voter, secret, { reserveMinutes: cfg.CROWD_RESERVE_MINUTES, store: true, rand: rng, now, knownShare: cfg.CROWD_KNOWN_SHARE });
    if (!served) {
      active.splice(slot, 1);
      reweigh();
      continue;
    }
    const t = truth.get(served.subject.id) ?? -1;
    const answer = t >= 0 ? sample(rng, sim.confusion, t * k, k) : Math.floor(rng() * k);
    clock += Math.round(sim.pageMs[0] + (sim.pageMs[1] - sim.pageMs[0]) * rng());
    busyUntil[v] = clock;
    const { vote, retired } = await castVote(handle, wf, voter, { claim: verifyServe(secret, served.token), answer, ipHash }, { minVoteMs: cfg.CROWD_MIN_VOTE_MS, tokenHours: cfg.CROWD_TOKEN_HOURS, fastShare: cfg.CROWD_FAST_SHARE, fastMinVotes: cfg.CROWD_FAST_MIN_VOTES, now });
    summary.votes++;
    const b = summary.byProfile[sim.profile]!;
    b.votes++;
    if (vote.feedback) {
      summary.goldVotes++;
      b.gold++;
      if (vote.feedback.correct) b.goldCorrect++;
    }
    if (retired) summary.retired++;
    if (summary.votes % 500 === 0) opts.onProgress?.(summary.votes);
  }
  opts.onProgress?.(summary.votes);
  if (opts.consensus && summary.votes) {
    await runConsensus(handle, wf.id);
    summary.consensus = true;
  }
  return summary;
}

/**
 * Removes the challenge's simulated accounts with their votes, serves and volunteer rows, replays the
 * online posterior (and retirement) of every live subject they voted on from the real votes left,
 * and recomputes the batch consensus when there was one.
 */
export async function deleteSimulatedCrowd(handle: DbHandle, slug: string): Promise<{ accounts: number; votes: number; subjects: number }> {
  const wf = await simulatedWorkflow(handle.db, slug);
  const ids = (await simulatedUsers(handle.db, slug)).map((u) => u.id);
  const pg = handle.dialect === 'postgres';
  let votes = 0;
  const touched = new Set<number>();
  await handle.db.transaction().execute(async (tx) => {
    for (const part of chunks(ids)) {
      const gone = await tx.deleteFrom('crowd_votes').where('user_id', 'in', part).returning(['subject_id', 'is_gold']).execute();
      votes += gone.length;
      for (const g of gone) if (!g.is_gold) touched.add(g.subject_id);
      await tx.deleteFrom('crowd_serves').where('voter', 'in', part.map((id) => userVoter(id).key)).execute();
      await tx.deleteFrom('crowd_promotions').where('voter', 'in', part.map((id) => userVoter(id).key)).execute();
      await tx.deleteFrom('crowd_volunteers').where('user_id', 'in', part).execute();
      await tx.deleteFrom('users').where('id', 'in', part).execute();
    }
    for (const id of [...touched].sort((a, b) => a - b)) await replaySubject(tx, wf, id, pg);
  });
  const hadConsensus = await handle.db.selectFrom('crowd_consensus').select('subject_id').where('workflow_id', '=', wf.id).limit(1).executeTakeFirst();
  if (hadConsensus) await runConsensus(handle, wf.id);
  return { accounts: ids.length, votes, subjects: touched.size };
}
