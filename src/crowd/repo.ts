import { sql, type Insertable, type QueryCreator, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import { reusableQuery } from '../db/compiled.js';
import type { Database } from '../db/schema.js';
import { newConfusion } from './aggregators/index.js';
import type { CrowdSubjectsTable, CrowdVotesTable, CrowdWorkflowsTable, RoutingMode } from '../db/tables/crowd.js';
import type { Features } from './features.js';

export type WorkflowRow = Selectable<CrowdWorkflowsTable>;
export type SubjectRow = Selectable<CrowdSubjectsTable>;

export interface Workflow {
  id: number;
  challengeId: number;
  slug: string;
  title: string;
  classes: string[];
  clues: Record<string, string>;
  retirement: 'fixed' | 'adaptive';
  retireCount: number;
  adaptiveThreshold: number;
  adaptiveMinVotes: number;
  trainingChances: number[];
  /** Promotion from training: promoteCorrect correct among the last promoteWindow gold answers (window 0: no gate), and one per class when promoteEachClass. */
  promoteCorrect: number;
  promoteWindow: number;
  promoteEachClass: boolean;
  /** See RoutingMode; randomShare is the share of serves left to the retirement rule under entropy routing. */
  routing: RoutingMode;
  randomShare: number;
  active: boolean;
}

function toWorkflow(r: WorkflowRow & { slug: string; title: string }): Workflow {
  return {
    id: r.id,
    challengeId: r.challenge_id,
    slug: r.slug,
    title: r.title,
    classes: JSON.parse(r.classes_json),
    clues: JSON.parse(r.clues_json),
    retirement: r.retirement,
    retireCount: r.retire_count,
    adaptiveThreshold: r.adaptive_threshold,
    adaptiveMinVotes: r.adaptive_min_votes,
    trainingChances: JSON.parse(r.training_chances_json),
    promoteCorrect: r.promote_correct,
    promoteWindow: r.promote_window,
    promoteEachClass: r.promote_each_class === 1,
    routing: r.routing,
    randomShare: r.random_share,
    active: r.active === 1,
  };
}

const wfQuery = (db: Db) => db.selectFrom('crowd_workflows as w').innerJoin('challenges as c', 'c.id', 'w.challenge_id').selectAll('w').select(['c.slug', 'c.title']);

export async function workflowBySlug(db: Db, slug: string): Promise<Workflow | undefined> {
  const r = await wfQuery(db).where('c.slug', '=', slug).executeTakeFirst();
  return r && toWorkflow(r);
}

export async function workflowById(db: Db, id: number): Promise<Workflow | undefined> {
  const r = await wfQuery(db).where('w.id', '=', id).executeTakeFirst();
  return r && toWorkflow(r);
}

export async function workflowOfChallenge(db: Db, challengeId: number): Promise<Workflow | undefined> {
  const r = await wfQuery(db).where('w.challenge_id', '=', challengeId).executeTakeFirst();
  return r && toWorkflow(r);
}

export async function listWorkflows(db: Db): Promise<Workflow[]> {
  return (await wfQuery(db).where('c.state', '!=', 'draft').orderBy('w.id').execute()).map(toWorkflow);
}

export async function subjectById(db: Db, workflowId: number, id: number): Promise<SubjectRow | undefined> {
  return db.selectFrom('crowd_subjects').selectAll().where('id', '=', id).where('workflow_id', '=', workflowId).executeTakeFirst();
}

export const featuresOf = (s: Pick<SubjectRow, 'features_json'>): Features => JSON.parse(s.features_json);

export async function workflowCounts(db: Db, workflowId: number) {
  const r = await db
    .selectFrom('crowd_subjects')
    .select((eb) => [
      eb.fn.countAll<number>().as('subjects'),
      eb.fn.sum<number>(eb.case().when('is_gold', '=', 1).then(1).else(0).end()).as('gold'),
      eb.fn.sum<number>(eb.case().when(eb.and([eb('is_gold', '=', 0), eb('gold_class', 'is not', null)])).then(1).else(0).end()).as('known'),
      eb.fn.sum<number>(eb.case().when('retired_at', 'is not', null).then(1).else(0).end()).as('retired'),
      eb.fn.sum<number>('vote_count').as('votes'),
    ])
    .where('workflow_id', '=', workflowId)
    .executeTakeFirstOrThrow();
  const gold = Number(r.gold ?? 0);
  const known = Number(r.known ?? 0);
  /** live: test rows; known: train rows served as live subjects (see setup.ts). */
  return { subjects: Number(r.subjects), gold, known, live: Number(r.subjects) - gold - known, retired: Number(r.retired ?? 0), votes: Number(r.votes ?? 0) };
}

/** Stores an organizer's changes to the workflow's settings (settings.ts validates them). */
export async function updateWorkflowSettings(db: Db, workflowId: number, set: Updateable<CrowdWorkflowsTable>): Promise<void> {
  await db.updateTable('crowd_workflows').set(set).where('id', '=', workflowId).execute();
}

/** Names of the workflow's subjects in its expert set. */
export async function expertSubjectNames(db: Db, workflowId: number): Promise<string[]> {
  const rows = await db.selectFrom('crowd_subjects').select('external_id').where('workflow_id', '=', workflowId).where('expert', '=', 1).execute();
  return rows.map((r) => r.external_id);
}

/** The latest consensus runs (any workflow's: the job payload is not indexed), newest first, for the manage page. */
export async function recentJobsOfKind(db: Db, kind: string, limit: number) {
  return db.selectFrom('jobs').select(['id', 'status', 'created_at', 'updated_at', 'last_error']).where('kind', '=', kind).orderBy('id', 'desc').limit(limit).execute();
}

/** Live subjects carrying a baseline entropy (those entropy routing can weigh). */
export async function routedSubjectCount(db: Db, workflowId: number): Promise<number> {
  const r = await db.selectFrom('crowd_subjects').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow_id', '=', workflowId).where('is_gold', '=', 0).where('entropy', 'is not', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A volunteer's first row in a workflow: the prior confusion matrix, not an expert. */
export const newVolunteerRow = (workflowId: number, userId: number, k: number) => ({
  workflow_id: workflowId,
  user_id: userId,
  confusion_json: JSON.stringify(Array.from(newConfusion(k))),
  created_at: nowIso(),
});

/** Creates the volunteer's row unless it exists; returns the row written (or that would have been). */
export async function ensureVolunteer(db: Db | Transaction<Database>, workflowId: number, userId: number, k: number) {
  const row = newVolunteerRow(workflowId, userId, k);
  await db.insertInto('crowd_volunteers').values(row).onConflict((oc) => oc.columns(['workflow_id', 'user_id']).doNothing()).execute();
  return row;
}

/** Joins (or leaves) the expert subject set, creating the volunteer's row when it is their first step in the workflow. */
export async function setVolunteerExpert(db: Db, workflowId: number, userId: number, k: number, expert: boolean): Promise<void> {
  await db
    .insertInto('crowd_volunteers')
    .values({ ...newVolunteerRow(workflowId, userId, k), expert: expert ? 1 : 0 })
    .onConflict((oc) => oc.columns(['workflow_id', 'user_id']).doUpdateSet({ expert: expert ? 1 : 0 }))
    .execute();
}

export interface VoterStanding {
  /** Subjects the voter has answered in the workflow. */
  answered: number;
  /** The volunteer's expert flag; null for an anonymous voter or one without a row yet. */
  expert: number | null;
  /** The subject of the voter's latest serve within the reserve window, if they have not answered it yet. */
  openSubjectId: number | null;
}

// Shapes: 'anonymous' (answers counted from the votes; no volunteer row) or 'signed-in'.
const voterStandingRow = reusableQuery((db, shape, voterKey: string, workflowId: number, servedAfter: string, userId: number) =>
  db
    .with('latest', (qc) => qc.selectFrom('crowd_serves').select('subject_id').where('voter', '=', voterKey).where('workflow_id', '=', workflowId).where('served_at', '>', servedAfter).orderBy('served_at', 'desc').limit(1))
    .selectNoFrom((eb) => [
      shape === 'anonymous'
        ? eb.selectFrom('crowd_votes').select((e) => e.fn.countAll<number>().as('n')).where('voter', '=', voterKey).where('workflow_id', '=', workflowId).as('answered')
        : eb.selectFrom('crowd_volunteers').select('votes_cast').where('workflow_id', '=', workflowId).where('user_id', '=', userId).as('answered'),
      eb
        .selectFrom('crowd_volunteers')
        .select('expert')
        .where('workflow_id', '=', workflowId)
        .$call((q) => (shape === 'anonymous' ? q.where(sql<boolean>`false`) : q.where('user_id', '=', userId)))
        .as('expert'),
      eb.selectFrom('latest').select('subject_id').as('latest_subject_id'),
      eb.exists(eb.selectFrom('latest').innerJoin('crowd_votes as x', 'x.subject_id', 'latest.subject_id').select('x.id').where('x.voter', '=', voterKey)).as('latest_answered'),
    ]),
);

/**
 * What serving needs to know of the voter, in one statement (on PostgreSQL one round trip instead of
 * three): their answer count (a signed-in voter's kept on their volunteer row, an anonymous voter's
 * counted), their volunteer row's expert flag, and whether their latest serve since
 * `servedAfter` is still open. Only the latest serve can be open, as a new subject is served only when none is.
 */
export async function voterStanding(db: Db, workflowId: number, voter: { key: string; userId: number | null }, servedAfter: string): Promise<VoterStanding> {
  const [row] = await voterStandingRow(db, voter.userId === null ? 'anonymous' : 'signed-in', voter.key, workflowId, servedAfter, voter.userId ?? 0);
  const open = row.latest_subject_id !== null && !row.latest_answered;
  return { answered: Number(row.answered ?? 0), expert: row.expert ?? null, openSubjectId: open ? row.latest_subject_id : null };
}

/** Which subjects a serve looks among, and in what order (the query's shape: see servableSubjects). */
export interface ServableShape {
  /** By the retirement rule (fewest votes first for gold, most for live), or by entropy (live only). */
  order: 'retirement' | 'entropy';
  gold: boolean;
  /** An expert-set member sees expert subjects first; anyone else never sees them. */
  expertFirst: boolean;
  /** Known sources only (live subjects with a gold class). */
  knownOnly: boolean;
  /** Gold of one class only (the goldClass argument). */
  goldClass: boolean;
}

/**
 * The servable subjects of one shape in serving order, as a query (servableSubjects runs it;
 * pickAndStoreServe builds on it). The voter's serves and votes are excluded with NOT IN, which
 * PostgreSQL runs as a hash of the voter's subjects built once per pick. As NOT EXISTS it was an
 * anti-join probed for every candidate passed over, and a voter passes over everything they have
 * seen near the head of the order: with a generic plan (misled by statistics of tables that grow
 * under it) each probe read the voter's whole history, 13 ms a pick, so the pick was planned afresh
 * for every call, about half its cost (pg_stat_statements). Now the prepared plan serves
 * (bench:crowd). subject_id is never null in either table, so NOT IN means what NOT EXISTS did.
 */
function servableQuery(db: Db, s: ServableShape, workflowId: number, voterKey: string, goldClass: number, limit: number) {
  const q = db
    .selectFrom('crowd_subjects as s')
    .selectAll('s')
    .where('s.workflow_id', '=', workflowId)
    .where('s.is_gold', '=', s.gold ? 1 : 0)
    .where('s.retired_at', 'is', null)
    .where('s.id', 'not in', (eb) => eb.selectFrom('crowd_serves as v').select('v.subject_id').where('v.voter', '=', voterKey).where('v.workflow_id', '=', workflowId))
    .where('s.id', 'not in', (eb) => eb.selectFrom('crowd_votes as x').select('x.subject_id').where('x.voter', '=', voterKey).where('x.workflow_id', '=', workflowId))
    .$if(!s.expertFirst, (q) => q.where('s.expert', '=', 0))
    .$if(s.expertFirst, (q) => q.orderBy('s.expert', 'desc'))
    .$if(s.knownOnly, (q) => q.where('s.gold_class', 'is not', null))
    .$if(s.goldClass, (q) => q.where('s.gold_class', '=', goldClass));
  const ordered = s.order === 'entropy' ? q.where('s.entropy', 'is not', null).orderBy('s.entropy', 'desc') : q.orderBy('s.vote_count', s.gold ? 'asc' : 'desc');
  return ordered.orderBy('s.id').limit(limit);
}

const servable = reusableQuery((db, shape, workflowId: number, voterKey: string, goldClass: number, limit: number) => servableQuery(db, JSON.parse(shape) as ServableShape, workflowId, voterKey, goldClass, limit));

/**
 * The first `limit` subjects the voter may be served, in serving order: in the workflow, unretired,
 * neither served to nor answered by them. The partial indexes over unretired subjects (migration
 * 0025) yield them in that order without sorting them all.
 */
export function servableSubjects(db: Db, shape: ServableShape, workflowId: number, voterKey: string, goldClass: number, limit: number): Promise<SubjectRow[]> {
  return servable(db, shapeKey(shape), workflowId, voterKey, goldClass, limit);
}

/** The shape as reusableQuery's key: its fields alone, in a fixed order, whatever else the caller's object holds. */
function shapeKey({ order, gold, expertFirst, knownOnly, goldClass }: ServableShape): string {
  return JSON.stringify({ order, gold, expertFirst, knownOnly, goldClass });
}

const storeServeStatement = reusableQuery((db, _shape, workflowId: number, subjectId: number, voterKey: string, servedAt: string, routed: number) =>
  db.insertInto('crowd_serves').values({ workflow_id: workflowId, subject_id: subjectId, voter: voterKey, served_at: servedAt, routed }).onConflict((oc) => oc.columns(['voter', 'subject_id']).doNothing()).returning('id'),
);

/** Stores a serve; false when this voter was served the subject already (a concurrent request). */
export async function storeServe(db: Db, workflowId: number, subjectId: number, voterKey: string, servedAt: string, routed: boolean): Promise<boolean> {
  return (await storeServeStatement(db, '', workflowId, subjectId, voterKey, servedAt, routed ? 1 : 0)).length > 0;
}

/**
 * PostgreSQL, by the retirement rule: the pick and the serve's row in one statement, where they
 * were two round trips. Among the first `limit` servable subjects, those tied with the first on
 * (expert, vote_count) are taken in id order and the one at floor(draw × ties) is stored as served,
 * the choice servableSubjects' caller makes with the same draw. Undefined when nothing is
 * servable; `stored` false when a concurrent request served this voter that subject first.
 */
const pickAndStore = reusableQuery((db, shape, workflowId: number, voterKey: string, goldClass: number, limit: number, draw: number, servedAt: string, routed: number) => {
  const s = JSON.parse(shape) as ServableShape;
  return db
    .with('cand', () => servableQuery(db, s, workflowId, voterKey, goldClass, limit))
    .with('tied', (qc) => {
      // The first candidate in serving order (the order servableQuery gives).
      const first = (column: 'expert' | 'vote_count') =>
        qc
          .selectFrom('cand')
          .select(column)
          .$if(s.expertFirst, (q) => q.orderBy('expert', 'desc'))
          .orderBy('vote_count', s.gold ? 'asc' : 'desc')
          .orderBy('id')
          .limit(1);
      return qc
        .selectFrom('cand')
        .selectAll()
        .select([sql<number>`row_number() over (order by id) - 1`.as('tie_pos'), sql<number>`count(*) over ()`.as('ties')])
        .where('expert', '=', first('expert'))
        .where('vote_count', '=', first('vote_count'));
    })
    .with('chosen', (qc) => qc.selectFrom('tied').selectAll().where('tie_pos', '=', sql<number>`floor(${draw}::float8 * ties)`))
    .with('stored', (qc) =>
      qc
        .insertInto('crowd_serves')
        .columns(['workflow_id', 'subject_id', 'voter', 'served_at', 'routed'])
        .expression((eb) => eb.selectFrom('chosen').select(['workflow_id', 'id', sql<string>`${voterKey}`.as('voter'), sql<string>`${servedAt}`.as('served_at'), sql<number>`${routed}::integer`.as('routed')]))
        .onConflict((oc) => oc.columns(['voter', 'subject_id']).doNothing())
        .returning('subject_id'),
    )
    .selectFrom('chosen')
    .selectAll()
    .select((eb) => eb.exists(eb.selectFrom('stored').select('subject_id')).as('stored'));
});

export async function pickAndStoreServe(db: Db, shape: ServableShape, workflowId: number, voterKey: string, goldClass: number, limit: number, draw: number, servedAt: string, routed: boolean): Promise<{ subject: SubjectRow; stored: boolean } | undefined> {
  const [row] = await pickAndStore(db, shapeKey(shape), workflowId, voterKey, goldClass, limit, draw, servedAt, routed ? 1 : 0);
  if (!row) return undefined;
  const { tie_pos: _pos, ties: _ties, stored, ...subject } = row;
  return { subject: subject as SubjectRow, stored: Boolean(stored) };
}

/** The subject served to the voter, with when and how it was served and whether they have answered it since. */
export async function servedSubject(db: Db, voterKey: string, subjectId: number) {
  return db
    .selectFrom('crowd_serves as v')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .selectAll('s')
    .select(['v.served_at as served_at_v', 'v.routed as routed_v'])
    .select(({ exists, selectFrom }) => exists(selectFrom('crowd_votes as x').select('x.id').whereRef('x.voter', '=', 'v.voter').whereRef('x.subject_id', '=', 'v.subject_id')).as('answered'))
    .where('v.voter', '=', voterKey)
    .where('v.subject_id', '=', subjectId)
    .executeTakeFirst();
}

export interface VolunteerCount {
  confusion_json: string;
  held_at: string | null;
  votes_since_review: number;
  fast_since_review: number;
}

/**
 * Counts a vote toward its volunteer's fast share (undefined without a volunteer row, or an anonymous
 * voter) and, on PostgreSQL, reads and locks the subject in the same statement: the volunteer's row
 * is updated before the subject's is locked, the order every weight change keeps. SQLite leaves the
 * subject to the caller (subject undefined). Subject locks are FOR NO KEY UPDATE, as the UPDATE that
 * follows takes anyway: they queue the votes on a subject as FOR UPDATE did, but leave alone the
 * foreign-key checks (FOR KEY SHARE) of serves inserted for that subject, which under FOR UPDATE
 * waited for each vote's commit (2 ms a serve insert in bench:crowd's round trips, pg_stat_statements).
 */
export async function countVoteAndLockSubject(tx: Transaction<Database>, pg: boolean, workflowId: number, userId: number | null, subjectId: number, flagged: boolean): Promise<{ volunteer: VolunteerCount | undefined; subject: SubjectRow | undefined }> {
  if (userId === null) return { volunteer: undefined, subject: undefined };
  if (!pg) return { volunteer: (await countVoteStatement(tx, '', workflowId, userId, flagged ? 1 : 0))[0], subject: undefined };
  const [row] = await countVoteAndLockStatement(tx, '', workflowId, userId, flagged ? 1 : 0, subjectId);
  if (!row) return { volunteer: undefined, subject: undefined };
  const { vol_confusion_json, vol_held_at, vol_votes, vol_fast, ...subject } = row;
  const volunteer = vol_confusion_json === null ? undefined : { confusion_json: vol_confusion_json, held_at: vol_held_at, votes_since_review: vol_votes!, fast_since_review: vol_fast! };
  return { volunteer, subject };
}

/** Counts a vote on its volunteer's row, returning what the vote needs of that row. */
const countVote = (qc: QueryCreator<Database>, workflowId: number, userId: number, fast: number) =>
  qc
    .updateTable('crowd_volunteers')
    .set((eb) => ({ votes_cast: eb('votes_cast', '+', 1), votes_since_review: eb('votes_since_review', '+', 1), fast_since_review: eb('fast_since_review', '+', fast) }))
    .where('workflow_id', '=', workflowId)
    .where('user_id', '=', userId)
    .returning(['confusion_json', 'held_at', 'votes_since_review', 'fast_since_review']);

const countVoteStatement = reusableQuery((db, _shape, workflowId: number, userId: number, fast: number) => countVote(db, workflowId, userId, fast));

/** PostgreSQL: the count, and the subject read and locked, in one statement. */
const countVoteAndLockStatement = reusableQuery((db, _shape, workflowId: number, userId: number, fast: number, subjectId: number) =>
  db
    .with('vol', (qc) => countVote(qc, workflowId, userId, fast))
    .selectFrom('crowd_subjects as s')
    .leftJoin('vol', (join) => join.onTrue())
    .selectAll('s')
    .select(['vol.confusion_json as vol_confusion_json', 'vol.held_at as vol_held_at', 'vol.votes_since_review as vol_votes', 'vol.fast_since_review as vol_fast'])
    .where('s.id', '=', subjectId)
    .where('s.workflow_id', '=', workflowId)
    .forNoKeyUpdate('s'),
);

/** What a vote changes on its subject: the online posterior (a counted vote), the anonymous count, or nothing. */
export type SubjectChange =
  | { kind: 'posterior'; posterior_json: string; vote_count: number; consensus_class: number; consensus_confidence: number; retired_at: string | null }
  | { kind: 'anon' }
  | null;

/**
 * Stores a vote with what it changes: the subject, and the volunteer's confusion matrix after a gold
 * answer (`confusionJson`). Nothing is written when the voter has already voted on the subject
 * (null). On PostgreSQL it is one statement, so the subject's row lock, taken by the caller, is held
 * for one round trip less per statement saved: votes on a popular subject wait on each other there.
 */
export async function writeVote(tx: Transaction<Database>, pg: boolean, row: Insertable<CrowdVotesTable>, subject: SubjectChange, confusionJson: string | null): Promise<{ id: number } | undefined> {
  const values = VOTE_COLUMNS.map((c) => row[c] ?? null);
  const posterior = subject?.kind === 'posterior' ? subject : null;
  const change = [...POSTERIOR_COLUMNS.map((c) => posterior?.[c] ?? null), confusionJson];
  const shape = `${subject?.kind ?? 'none'}|${confusionJson === null ? 'same' : 'gold'}`;
  if (pg) return (await writeVoteStatement(tx, shape, ...values, ...change))[0];
  const [vote] = await insertVoteStatement(tx, '', ...values);
  if (!vote) return undefined;
  if (subject) await updateSubjectStatement(tx, subject.kind, ...values, ...change);
  if (confusionJson !== null) await updateConfusionStatement(tx, '', ...values, ...change);
  return vote;
}

/** The columns a vote is stored with, in the order writeVote's statements take them. */
const VOTE_COLUMNS = ['workflow_id', 'subject_id', 'voter', 'user_id', 'anon_id', 'answer', 'is_gold', 'correct', 'counted', 'flagged', 'weight', 'info_bits', 'credit_bits', 'routed', 'time_ms', 'ip_hash', 'served_at', 'created_at', 'day'] as const;
/** A counted vote's change to its subject, then the volunteer's new confusion matrix: after the vote's columns. */
const POSTERIOR_COLUMNS = ['posterior_json', 'vote_count', 'consensus_class', 'consensus_confidence', 'retired_at'] as const;

/** The statements' arguments, back as the vote's row, the subject's change and the matrix. */
function voteArguments(args: unknown[]) {
  const row = Object.fromEntries(VOTE_COLUMNS.map((c, i) => [c, args[i]])) as unknown as Insertable<CrowdVotesTable>;
  const set = Object.fromEntries(POSTERIOR_COLUMNS.map((c, i) => [c, args[VOTE_COLUMNS.length + i]])) as Omit<Extract<SubjectChange, { kind: 'posterior' }>, 'kind'>;
  return { row, set, confusionJson: args[VOTE_COLUMNS.length + POSTERIOR_COLUMNS.length] as string };
}

const insertVote = (qc: QueryCreator<Database>, row: Insertable<CrowdVotesTable>) => qc.insertInto('crowd_votes').values(row).onConflict((oc) => oc.doNothing()).returning('id');
const updateSubject = (qc: QueryCreator<Database>, kind: string, row: Insertable<CrowdVotesTable>, set: Omit<Extract<SubjectChange, { kind: 'posterior' }>, 'kind'>) => {
  const q = qc.updateTable('crowd_subjects').where('id', '=', row.subject_id);
  return kind === 'posterior' ? q.set(set) : q.set((eb) => ({ anon_count: eb('anon_count', '+', 1) }));
};
const updateConfusion = (qc: QueryCreator<Database>, row: Insertable<CrowdVotesTable>, confusionJson: string) =>
  qc.updateTable('crowd_volunteers').set({ confusion_json: confusionJson }).where('workflow_id', '=', row.workflow_id).where('user_id', '=', row.user_id ?? null);

const insertVoteStatement = reusableQuery((db, _shape, ...args: unknown[]) => insertVote(db, voteArguments(args).row));
const updateSubjectStatement = reusableQuery((db, kind, ...args: unknown[]) => {
  const { row, set } = voteArguments(args);
  return updateSubject(db, kind, row, set);
});
const updateConfusionStatement = reusableQuery((db, _shape, ...args: unknown[]) => {
  const { row, confusionJson } = voteArguments(args);
  return updateConfusion(db, row, confusionJson);
});

/**
 * PostgreSQL: the vote, its subject's change and the matrix in one statement. Data-modifying CTEs
 * run whether or not the main query reads them; the updates wait for the insert's row (none for a
 * repeat vote), and a change not wanted is cut by a false condition. Shape: `<change kind>|<same|gold>`.
 */
const writeVoteStatement = reusableQuery((db, shape, ...args: unknown[]) => {
  const [kind, matrix] = shape.split('|');
  const { row, set, confusionJson } = voteArguments(args);
  const afterInsert = sql<boolean>`exists (select 1 from ins)`;
  return db
    .with('ins', (qc) => insertVote(qc, row))
    .with('upd_subject', (qc) => updateSubject(qc as unknown as QueryCreator<Database>, kind, row, set).where(kind === 'none' ? sql<boolean>`false` : afterInsert))
    .with('upd_confusion', (qc) => updateConfusion(qc as unknown as QueryCreator<Database>, row, confusionJson).where(matrix === 'same' ? sql<boolean>`false` : afterInsert))
    .selectFrom('ins')
    .select('id');
});

/**
 * PostgreSQL, for votes on one subject arriving together: counts each vote on its volunteer's row
 * (rows locked in user order, as everywhere) and locks the subject, in one round trip. Volunteers
 * without a row are missing from the map.
 */
export async function countVotesAndLockSubject(tx: Transaction<Database>, workflowId: number, votes: Array<{ userId: number; flagged: boolean }>, subjectId: number): Promise<{ volunteers: Map<number, VolunteerCount>; subject: SubjectRow | undefined }> {
  const sorted = [...votes].sort((a, b) => a.userId - b.userId);
  const counts = sql.join(sorted.map((v) => sql`(${v.userId}::integer, ${v.flagged ? 1 : 0}::integer)`));
  const { rows } = await sql<{ kind: 'volunteer' | 'subject'; user_id: number | null; row: string }>`
    with locked as (
      select v.workflow_id, v.user_id from crowd_volunteers v
      where v.workflow_id = ${workflowId} and v.user_id in (${sql.join(sorted.map((v) => v.userId))})
      order by v.user_id for update
    ), counted as (
      update crowd_volunteers v
      set votes_cast = v.votes_cast + 1, votes_since_review = v.votes_since_review + 1, fast_since_review = v.fast_since_review + d.fast
      from (values ${counts}) as d(user_id, fast), locked l
      where v.workflow_id = l.workflow_id and v.user_id = l.user_id and v.user_id = d.user_id
      returning v.user_id, v.confusion_json, v.held_at, v.votes_since_review, v.fast_since_review
    ), subject as (
      select s.* from crowd_subjects s where s.id = ${subjectId} and s.workflow_id = ${workflowId} for no key update
    )
    select 'volunteer' as kind, c.user_id, row_to_json(c)::text as row from counted c
    union all
    select 'subject', null, row_to_json(s)::text from subject s`.execute(tx);
  const volunteers = new Map<number, VolunteerCount>();
  let subject: SubjectRow | undefined;
  for (const r of rows) {
    const row = JSON.parse(r.row) as VolunteerCount & SubjectRow;
    if (r.kind === 'subject') subject = row;
    else volunteers.set(r.user_id!, { confusion_json: row.confusion_json, held_at: row.held_at, votes_since_review: row.votes_since_review, fast_since_review: row.fast_since_review });
  }
  return { volunteers, subject };
}

/**
 * PostgreSQL, the other half: stores the votes, the subject's final state and the gold answers'
 * confusion matrices in one statement. When any vote was a repeat (not inserted), nothing else is
 * written and the result is null, for the caller to roll back. Else the new votes' ids by user.
 */
export async function writeVotes(tx: Transaction<Database>, workflowId: number, rows: Array<Insertable<CrowdVotesTable>>, subjectId: number, subject: SubjectChange, confusion: Array<{ userId: number; confusionJson: string }>): Promise<Map<number, number> | null> {
  const all = sql<boolean>`(select count(*) from ins) = ${rows.length}`;
  let q = tx.with('ins', (db) => db.insertInto('crowd_votes').values(rows).onConflict((oc) => oc.doNothing()).returning(['id', 'user_id']));
  if (subject?.kind === 'posterior') {
    const { kind: _kind, ...set } = subject;
    q = q.with('upd_subject', (db) => db.updateTable('crowd_subjects').set(set).where('id', '=', subjectId).where(all)) as unknown as typeof q;
  }
  if (confusion.length) {
    const values = sql.join(confusion.map((c) => sql`(${c.userId}::integer, ${c.confusionJson}::text)`));
    q = q.with('upd_confusion', () => sql`update crowd_volunteers v set confusion_json = d.confusion_json from (values ${values}) as d(user_id, confusion_json) where v.workflow_id = ${workflowId} and v.user_id = d.user_id and ${all}`) as unknown as typeof q;
  }
  const inserted = await q.selectFrom('ins').select(['id', 'user_id']).execute();
  if (inserted.length !== rows.length) return null;
  return new Map(inserted.map((r) => [r.user_id!, r.id]));
}
