/**
 * The console's overview of a challenge, section by section: a one-line status of each (setup,
 * participants, leaderboards, baseline, crowd, data) computed from the database and the files, and
 * the figures with the rows behind them. Organizers only: the score figure holds private scores.
 */
import { metricHumanName } from '../challenges/metric-names.js';
import fs from 'node:fs';
import path from 'node:path';
import type { DbHandle } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { phase } from '../challenges/service.js';
import { board } from '../leaderboards/service.js';
import { SCORE_JOB } from '../submissions/service.js';
import { CROWD_CONSENSUS_JOB } from '../crowd/consensus.js';
import { formatScore, humanSize, humanTime, timeLeft } from '../web/render.js';
import { RESCORE_JOB } from './rescore.js';
import { entrantFirstDays, jobCounts, submissionCounts, submissionsPerDay, teamCount, type JobSource } from './repo.js';
import { JOB_STATUSES, activitySvg, ageOf, dailySeries, jobQueueSvg, scoreBins, scoreDistributionSvg, type JobCounts } from './plots.js';
import type { baselineSummary, crowdSummary } from './companions.js';
import type { LocalChallenge } from '../challenges/service.js';

/** Every job kind that works for one challenge, and how its payload names it. */
const JOB_SOURCES: JobSource[] = [
  { kind: SCORE_JOB, payloadField: 'submissionId', table: 'submissions' },
  { kind: RESCORE_JOB, payloadField: 'runId', table: 'rescore_runs' },
  { kind: CROWD_CONSENSUS_JOB, payloadField: 'workflowId', table: 'crowd_workflows' },
];

const count = (n: number, unit: string, units = `${unit}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? unit : units}`;
const when = (iso: string, now: number) => `${humanTime(iso)} (${Date.parse(iso) > now ? `in ${timeLeft(iso, now)}` : `${ageOf(iso, now)} ago`})`;

function setupStatus(c: Challenge, configured: boolean, now: number): string {
  if (c.state === 'draft') return `Draft · ${configured ? `ready to publish · metric ${metricHumanName(c.metric)}` : 'columns and metric not saved yet'}`;
  const p = phase(c, new Date(now));
  const dates = p === 'upcoming' ? `opens ${when(c.opens_at, now)} · closes ${humanTime(c.closes_at)}` : p === 'open' ? `closes ${when(c.closes_at, now)}` : `closed ${when(c.closes_at, now)}`;
  return `${p === 'closed' ? 'Closed' : 'Published'} · ${dates} · metric ${metricHumanName(c.metric)}`;
}

function leaderboardStatus(c: Challenge, ranked: number, now: number): string {
  if (c.state === 'draft') return 'No leaderboards yet: the challenge is a draft';
  const entrants = count(ranked, 'entrant ranked', 'entrants ranked');
  if (phase(c, new Date(now)) === 'closed') return `Closed · ${entrants} · public board shows every submission · private board revealed to everyone`;
  const frozen = c.public_frozen_at ? `frozen since ${humanTime(c.public_frozen_at)}` : 'not frozen';
  return `Public board live · ${frozen} · ${entrants} · private board hidden until the close`;
}

function baselineStatus(b: Awaited<ReturnType<typeof baselineSummary>>): string {
  if (b.run?.status === 'running') return `Training (started ${humanTime(b.run.startedAt)})`;
  const sub = b.submission;
  if (sub) {
    const trained = humanTime(b.run?.finishedAt ?? sub.created_at);
    return sub.public_score !== null ? `Trained ${trained}, public score ${formatScore(sub.public_score)}` : `Trained ${trained}, submission ${sub.status}`;
  }
  return b.run?.status === 'failed' ? 'Last training failed' : 'Not trained';
}

function crowdStatus(crowd: Awaited<ReturnType<typeof crowdSummary>>): string {
  if (!crowd.enabled) return crowd.canEnable ? 'No crowd workflow' : 'No crowd workflow (needs named classes)';
  return [`Workflow ${crowd.active ? 'live' : 'paused'}`, count(crowd.live, 'subject'), `${crowd.retired.toLocaleString('en-GB')} retired`, count(crowd.volunteers, 'volunteer')].join(' · ');
}

export interface ConsoleFile {
  kind: string;
  name: string;
  size: string | null;
  hidden: boolean;
}

/** The challenge's data files, their sizes, and which of them participants never get. */
function dataFiles(c: LocalChallenge): ConsoleFile[] {
  const size = (name: string) => {
    const stat = fs.statSync(path.join(c.folder, name), { throwIfNoEntry: false });
    return stat ? humanSize(stat.size) : null;
  };
  const files = [
    { kind: 'train', name: c.train_file, hidden: false },
    { kind: 'test', name: c.test_file, hidden: false },
    { kind: 'solution', name: c.solution_file, hidden: !c.open_data },
    ...(c.sample_file ? [{ kind: 'sample submission', name: c.sample_file, hidden: false }] : []),
  ];
  return files.filter((f) => f.name).map((f) => ({ ...f, size: size(f.name) }));
}

const dataStatus = (files: ConsoleFile[]) =>
  files.map((f) => `${f.name} ${f.size ?? '(missing)'}${f.kind === 'solution' ? (f.hidden ? ' (hidden)' : ' (open data)') : ''}`).join(', ');

export async function consoleOverview(
  handle: DbHandle,
  c: LocalChallenge,
  companions: { configured: boolean; baseline: Awaited<ReturnType<typeof baselineSummary>>; crowd: Awaited<ReturnType<typeof crowdSummary>> },
  now = Date.now(),
) {
  const people = { ...(await submissionCounts(handle.db, c.id)).participants, teams: await teamCount(handle.db, c.id) };
  const days = dailySeries(await submissionsPerDay(handle.db, c.id), await entrantFirstDays(handle.db, c.id), c.opens_at, new Date(Math.min(now, Date.parse(c.closes_at))).toISOString());
  // The boards as they stand, unfrozen, the Baseline left out: the entrants' best public and private scores.
  const entrantScores = async (which: 'public' | 'private') => (await board(handle.db, c, which, false, { live: true })).filter((r) => !r.isBaseline).map((r) => r.score);
  const publicScores = c.state === 'draft' ? [] : await entrantScores('public');
  const bins = scoreBins(publicScores, c.state === 'draft' ? [] : await entrantScores('private'));
  const jobs = await jobCounts(handle.db, handle.dialect, c.id, JOB_SOURCES);
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, jobs.counts[s] ?? 0])) as JobCounts;
  const files = dataFiles(c);

  const waiting = [people.failed ? `${people.failed.toLocaleString('en-GB')} failed` : '', people.waiting ? `${people.waiting.toLocaleString('en-GB')} waiting to be scored` : ''].filter(Boolean);
  return {
    status: {
      setup: setupStatus(c, companions.configured, now),
      participants: `${count(people.entrants, 'entrant')}, ${count(people.teams, 'team')}, ${count(people.submissions, 'submission')}${waiting.length ? ` (${waiting.join(', ')})` : ''}`,
      leaderboards: leaderboardStatus(c, publicScores.length, now),
      baseline: companions.configured ? baselineStatus(companions.baseline) : 'Not trained (map the solution first)',
      crowd: crowdStatus(companions.crowd),
      data: dataStatus(files),
    },
    participants: people,
    activity: { days: days.filter((d) => d.entrants || d.submissions), allDays: days.length, svg: people.submissions ? activitySvg(days) : '' },
    scores: { bins, svg: scoreDistributionSvg(bins, { metric: metricHumanName(c.metric), higherIsBetter: c.higherIsBetter }) },
    jobs: { counts, rows: JOB_STATUSES.map((s) => ({ status: s, count: counts[s] })), oldestQueuedAt: jobs.oldestQueuedAt, oldestAge: jobs.oldestQueuedAt ? ageOf(jobs.oldestQueuedAt, now) : null, svg: jobQueueSvg(counts, jobs.oldestQueuedAt, { now }) },
    files,
  };
}
