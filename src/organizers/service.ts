/** The organizer console's use cases: drafts, settings, publishing, closing, freezing, open data, exports. */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { findChallengeById, slugExists } from '../challenges/repo.js';
import { ChallengeFolderError, defaultHigherIsBetter, METRICS, FORMATS } from '../challenges/definition.js';
import { SolutionFileError } from '../challenges/solution.js';
import { challengeScoringProblems, checkChallengeFolder, loadChallengeSolution, phase, saveChallenge } from '../challenges/service.js';
import { metricNames } from '../../scorers/registry.js';
import { UserError } from '../web/errors.js';
import { parseSubmission } from '../submissions/parse.js';
import { board } from '../leaderboards/service.js';
import { addOrganizer, organizersOf, removeOrganizer } from './access.js';
import {
  backupFolderFiles,
  distinctValues,
  findFile,
  GENERATED_SAMPLE,
  GENERATED_SAMPLE_MARK,
  header,
  placeUpload,
  previewSolution,
  sourceSolution,
  writeCanonicalSolution,
  writeChallengeYaml,
  writeSampleSubmission,
  type ChallengeSetup,
  type DataKind,
} from './setup.js';
import { forgetUserSessions } from '../accounts/session-cache.js';
import { csvLine } from '../csv.js';

export const challengeDir = (dataDir: string, slug: string): string => path.join(dataDir, 'challenges', slug);

/** Metrics offered by the form: the scorers' registry, as challenge.yaml accepts them. */
export const metricChoices = (): string[] => metricNames().filter((m) => (METRICS as readonly string[]).includes(m));

export const setupOf = (c: Challenge): ChallengeSetup | null => (c.setup_json ? (JSON.parse(c.setup_json) as ChallengeSetup) : null);
export const isConfigured = (c: Challenge): boolean => !!c.setup_json && !!c.solution_sha256;
/** Has a mapped solution: saved from the console, or imported from a challenge folder (its challenge.yaml maps it). */
export const hasSolution = (c: Challenge): boolean => !!c.solution_sha256;
/** Imported from a challenge folder: challenge.yaml maps it, and no solution was uploaded through the console. */
export const importedFromFolder = (c: Challenge): boolean => hasSolution(c) && !c.setup_json && !sourceSolution(c.folder);
export const IMPORTED_NOTE =
  "This challenge was imported from a challenge folder: its challenge.yaml sets the columns, metric, dates and limits. Upload a solution file under Replace files on the console to manage these settings from here (the console's other actions work either way).";

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A new draft from uploaded train, test and solution files (and an optional sample submission).
 * Its settings start from guesses read from the solution's header; the creator becomes its organizer.
 */
export async function createDraft(
  handle: DbHandle,
  dataDir: string,
  userId: number,
  input: { slug: unknown; title: unknown },
  files: Partial<Record<DataKind, string>>,
): Promise<Challenge> {
  const slug = String(input.slug ?? '').trim();
  const title = String(input.title ?? '').trim();
  const problems: string[] = [];
  if (!SLUG_RE.test(slug) || slug.length > 60) problems.push('slug: lowercase letters, digits and single hyphens (e.g. galaxy-zoo), at most 60 characters');
  if (!title || title.length > 200) problems.push('title: 1 to 200 characters');
  for (const k of ['train', 'test', 'solution'] as const) if (!files[k]) problems.push(`${k}: choose a .csv or .csv.gz file`);
  if (!problems.length && ((await slugExists(handle.db, slug)) || fs.existsSync(challengeDir(dataDir, slug)))) problems.push(`slug: '${slug}' is taken`);
  if (problems.length) throw new UserError(400, 'invalid_challenge', problems.join('; '), { problems });

  const dir = challengeDir(dataDir, slug);
  await fsp.mkdir(dir, { recursive: true });
  const names: Partial<Record<DataKind, string>> = {};
  for (const [kind, tmp] of Object.entries(files) as Array<[DataKind, string]>) names[kind] = await placeUpload(dir, kind, tmp);

  const cols = await header(path.join(dir, names.solution!));
  const pick = (...want: string[]) => want.find((w) => cols.includes(w)) ?? null;
  const idColumn = cols[0] ?? 'id';
  const targetColumn = pick('Class', 'class', 'Label', 'label', 'target', 'Target', 'y') ?? cols[1] ?? 'target';
  const setup: ChallengeSetup = {
    idColumn,
    targetColumn,
    weightColumn: pick('Weight', 'weight'),
    split: cols.includes('Usage') ? 'column' : 'random',
    usageColumn: cols.includes('Usage') ? 'Usage' : null,
    publicFraction: 0.25,
    seed: slug,
  };
  const now = new Date();
  now.setUTCSeconds(0, 0);
  const row = await handle.db
    .insertInto('challenges')
    .values({
      slug,
      title,
      description_md: `# ${title}\n\nDescribe the task, the data and the metric here.`,
      metric: 'accuracy',
      metric_options_json: '{}',
      format_json: JSON.stringify({ kind: 'label', idColumn, targetColumn, classes: [], probabilities: 'optional' }),
      id_column: idColumn,
      target_column: targetColumn,
      weight_column: setup.weightColumn,
      classes_json: '[]',
      higher_is_better: 1,
      opens_at: now.toISOString(),
      closes_at: new Date(now.getTime() + 60 * 86_400_000).toISOString(),
      daily_limit: 5,
      final_selections: 2,
      state: 'draft',
      folder: dir,
      train_file: names.train!,
      test_file: names.test!,
      solution_file: 'solution.csv',
      sample_file: names.sample_submission ?? null,
      solution_sha256: '',
      citation: null,
      created_at: nowIso(),
      // The mapping guesses wait here until the first save.
      setup_json: null,
      doi: null,
      merge_deadline: null,
      public_frozen_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await addOrganizer(handle, row.id, userId);
  fs.writeFileSync(path.join(dir, '.setup-guess.json'), JSON.stringify(setup));
  return (await findChallengeById(handle.db, row.id))!;
}

/** The settings form's starting values: the saved ones, or the guesses made at creation. */
export async function settingsForm(c: Challenge) {
  const saved = setupOf(c);
  const guessFile = path.join(c.folder, '.setup-guess.json');
  const setup: ChallengeSetup = saved ?? (fs.existsSync(guessFile) ? JSON.parse(fs.readFileSync(guessFile, 'utf8')) : null);
  const src = sourceSolution(c.folder);
  const columns = src ? await header(src) : [];
  const classes = c.classes.length ? c.classes : src && setup ? await distinctValues(src, setup.targetColumn) : [];
  // A new challenge starts on a metric its default format can score: macro-F1 needs only the label
  // column, where ROC AUC would make the format's optional proba_* columns compulsory.
  const metric = isConfigured(c) ? c.metric : c.format?.kind === 'higgsml' ? 'ams' : 'macro_f1';
  return {
    setup,
    columns,
    classes: classes.join(', '),
    metric,
    format: c.format?.kind ?? 'label',
    positiveClass: typeof c.metricOptions?.positive_class === 'string' ? c.metricOptions.positive_class : '',
    metricOptions: JSON.stringify(c.metricOptions ?? {}),
  };
}

const asLocal = (iso: string | null): string => (iso ? iso.slice(0, 16) : '');
export const formDates = (c: Challenge) => ({
  opensAt: asLocal(c.opens_at),
  closesAt: asLocal(c.closes_at),
  mergeDeadline: asLocal(c.merge_deadline),
});

/** A `datetime-local` value (taken as UTC) or an ISO time, as ISO; empty gives null. */
function parseTime(v: unknown, what: string, problems: string[]): string | null {
  const s = String(v ?? '').trim();
  if (!s) return null;
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(s) ? `${s}:00Z` : /^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : s;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || !/Z$|[+-]\d\d:\d\d$/.test(iso)) {
    problems.push(`${what}: not a date and time (${s})`);
    return null;
  }
  return d.toISOString().replace('.000Z', 'Z');
}

function int(v: unknown, what: string, min: number, problems: string[]): number {
  const n = Number(String(v ?? '').trim());
  if (!Number.isInteger(n) || n < min) problems.push(`${what}: a whole number of at least ${min}`);
  return n;
}

/** A folder check's problems as the organizer reads them: file names, not server paths. */
function folderProblems(c: Challenge, err: ChallengeFolderError | SolutionFileError): UserError {
  const list = err.problems.map((p) => p.split(c.folder + path.sep).join('').split(c.folder).join('folder'));
  return new UserError(400, 'invalid_settings', `The challenge has ${list.length} problem${list.length === 1 ? '' : 's'}.`, { problems: list });
}

/**
 * Writes the canonical solution and challenge.yaml, checks the folder as an import would (scoring
 * problems and id mismatches included), and, when the organizer uploaded no sample submission,
 * writes one and checks it with the challenge's own parser.
 */
async function writeAndCheckFolder(c: Challenge, src: string, setup: ChallengeSetup, yaml: Record<string, unknown>) {
  try {
    await writeCanonicalSolution(src, path.join(c.folder, 'solution.csv'), setup);
  } catch (err) {
    throw new UserError(400, 'invalid_settings', (err as Error).message, { problems: [(err as Error).message] });
  }
  writeChallengeYaml(c.folder, yaml);
  const generated = fs.existsSync(path.join(c.folder, GENERATED_SAMPLE_MARK)) || !findFile(c.folder, 'sample_submission');
  // A sample written for earlier settings may not fit the new format: it is written again below.
  if (generated) for (const f of [GENERATED_SAMPLE, GENERATED_SAMPLE_MARK]) await fsp.rm(path.join(c.folder, f), { force: true });
  let checked;
  try {
    checked = await checkChallengeFolder(c.folder);
  } catch (err) {
    if (err instanceof ChallengeFolderError || err instanceof SolutionFileError) throw folderProblems(c, err);
    throw err;
  }
  if (!generated) return checked;
  const { def, solution } = checked;
  const sample = await writeSampleSubmission(c.folder, {
    format: def.format.kind,
    idColumn: def.idColumn,
    targetColumn: def.targetColumn,
    classes: def.classes,
    probabilities: def.format.kind === 'label' && def.format.probabilities === 'required',
    train: def.files.train,
    test: def.files.test,
  });
  const outcome = await parseSubmission(fs.createReadStream(sample), { filename: GENERATED_SAMPLE, format: def.format, solution });
  if (!outcome.ok) {
    const problems = outcome.errors.slice(0, 5).map((e) => `the generated sample submission: ${e.message}`);
    throw new UserError(400, 'invalid_settings', `The sample submission written for this challenge does not pass its own checks: ${problems.join('; ')}.`, { problems });
  }
  return { def: { ...def, files: { ...def.files, sampleSubmission: sample } }, solution };
}

/**
 * Saves the settings form: rewrites the canonical solution and challenge.yaml, validates the
 * folder exactly as an import would (every problem listed), and records the challenge.
 */
export async function configure(handle: DbHandle, c: Challenge, body: Record<string, unknown>): Promise<Challenge> {
  const problems: string[] = [];
  const str = (k: string) => String(body[k] ?? '').trim();
  const src = sourceSolution(c.folder);
  if (!src && importedFromFolder(c)) throw new UserError(409, 'imported_challenge', IMPORTED_NOTE);
  if (!src) throw new UserError(409, 'no_solution', 'Upload a solution file first.');
  const split = str('split') === 'random' ? 'random' : 'column';
  const publicFraction = Number(str('public_fraction') || '0.25');
  if (split === 'random' && !(publicFraction > 0 && publicFraction < 1)) problems.push('public fraction: a number between 0 and 1 (e.g. 0.25)');
  const setup: ChallengeSetup = {
    idColumn: str('id_column'),
    targetColumn: str('target_column'),
    weightColumn: str('weight_column') || null,
    split,
    usageColumn: split === 'column' ? str('usage_column') || null : null,
    publicFraction,
    seed: str('seed') || c.slug,
  };
  if (split === 'column' && !setup.usageColumn) problems.push('usage column: pick the column holding Public/Private/Ignored, or split at random');
  const metric = str('metric');
  if (!metricChoices().includes(metric)) problems.push(`metric: one of ${metricChoices().join(', ')}`);
  const format = str('format') || 'label';
  if (!(FORMATS as readonly string[]).includes(format)) problems.push(`format: one of ${FORMATS.join(', ')}`);
  const classes = str('classes').split(',').map((x) => x.trim()).filter(Boolean);
  const opensAt = parseTime(body.opens_at, 'opens at', problems);
  const closesAt = parseTime(body.closes_at, 'closes at', problems);
  const mergeDeadline = parseTime(body.merge_deadline, 'merge deadline', problems);
  const dailyLimit = int(body.daily_limit, 'daily limit', 1, problems);
  const finalSelections = int(body.final_selections, 'final selections', 0, problems);
  const teamSize = int(body.team_size, 'team size', 1, problems);
  if (mergeDeadline && closesAt && mergeDeadline > closesAt) problems.push('merge deadline: must not be after the close');
  // Absent (an API client or a file replacement that does not send it): the setting stays as it is.
  const lateField = str('late_submissions');
  const lateSubmissions = lateField === '' ? c.late_submissions : ['1', 'on', 'true'].includes(lateField) ? 1 : ['0', 'off', 'false'].includes(lateField) ? 0 : null;
  if (lateSubmissions === null) problems.push(`late submissions: 1 (allowed) or 0 (refused), got '${lateField}'`);
  let metricOptions: Record<string, unknown> = {};
  const positive = str('positive_class');
  if (metric === 'ams') metricOptions = { positive_class: positive || classes[1] || '', b_reg: 10 };
  else if (positive) metricOptions = { positive_class: positive };
  if (problems.length) throw new UserError(400, 'invalid_settings', problems.join('; '), { problems });

  const backup = await backupFolderFiles(c.folder);
  try {
    const saved = await writeAndCheckFolder(c, src, setup, {
      slug: c.slug,
      title: str('title') || c.title,
      description: str('description') || c.description_md,
      id_column: setup.idColumn,
      target_column: setup.targetColumn,
      ...(setup.weightColumn ? { weight_column: setup.weightColumn } : {}),
      classes,
      format,
      metric,
      ...(Object.keys(metricOptions).length ? { metric_options: metricOptions } : {}),
      higher_is_better: defaultHigherIsBetter(metric),
      opens_at: opensAt,
      closes_at: closesAt,
      daily_limit: dailyLimit,
      final_selections: finalSelections,
      late_submissions: lateSubmissions !== 0,
      ...(str('citation') ? { citation: str('citation') } : {}),
    });
    await saveChallenge(handle, saved.def, c.folder, saved.solution.sha256, { state: c.state, id: c.id });
  } catch (err) {
    // A refused change leaves the challenge's files as they were (a live challenge keeps scoring).
    await backup.restore();
    throw err;
  }
  await backup.discard();
  await handle.db
    .updateTable('challenges')
    .set({ team_size: teamSize, merge_deadline: mergeDeadline ? new Date(mergeDeadline).toISOString() : null, setup_json: JSON.stringify(setup), doi: str('doi') || c.doi })
    .where('id', '=', c.id)
    .execute();
  return (await findChallengeById(handle.db, c.id))!;
}

/**
 * Replaces one data file. On a configured challenge a new train, test or solution file is checked
 * with the saved settings, exactly as a save of the settings form (a new solution is re-mapped; re-score
 * afterwards), and a refused file leaves the previous one in place.
 */
export async function replaceFile(handle: DbHandle, c: Challenge, kind: DataKind, tmp: string): Promise<Challenge> {
  if (kind === 'sample_submission' || !isConfigured(c)) {
    const name = await placeUpload(c.folder, kind, tmp);
    const column = ({ train: 'train_file', test: 'test_file', sample_submission: 'sample_file' } as const)[kind as Exclude<DataKind, 'solution'>];
    if (kind === 'sample_submission') await fsp.rm(path.join(c.folder, GENERATED_SAMPLE_MARK), { force: true });
    if (column) await handle.db.updateTable('challenges').set({ [column]: name }).where('id', '=', c.id).execute();
    return (await findChallengeById(handle.db, c.id))!;
  }
  const backup = await backupFolderFiles(c.folder);
  try {
    await placeUpload(c.folder, kind, tmp);
    const s = setupOf(c)!;
    const fresh = await configure(handle, c, {
      id_column: s.idColumn, target_column: s.targetColumn, weight_column: s.weightColumn ?? '', split: s.split, usage_column: s.usageColumn ?? '',
      public_fraction: String(s.publicFraction), seed: s.seed, metric: c.metric, format: c.format.kind, classes: c.classes.join(','),
      positive_class: typeof c.metricOptions.positive_class === 'string' ? c.metricOptions.positive_class : '',
      opens_at: c.opens_at, closes_at: c.closes_at, merge_deadline: c.merge_deadline ?? '', daily_limit: String(c.daily_limit),
      final_selections: String(c.final_selections), team_size: String(c.team_size), title: c.title, description: c.description_md, citation: c.citation ?? '',
    });
    await backup.discard();
    return fresh;
  } catch (err) {
    await backup.restore();
    throw err;
  }
}

/** Rows per subset and class, and what would stop the challenge from being scored (problems). */
export async function preview(c: Challenge) {
  if (!hasSolution(c)) return null;
  return { ...previewSolution(await loadChallengeSolution(c)), problems: await challengeScoringProblems(c) };
}

export async function publish(handle: DbHandle, c: Challenge): Promise<void> {
  if (c.state !== 'draft') return;
  if (!isConfigured(c)) throw new UserError(409, 'not_configured', 'Save the settings (columns, metric, split) before publishing.');
  // Checked again on the files as they are now: a draft saved before these checks, or edited since.
  const problems = await challengeScoringProblems(c);
  if (problems.length) {
    throw new UserError(409, 'not_scorable', `This challenge cannot be published: ${problems.join('; ')}. Fix the files or the settings, then publish.`, { problems });
  }
  await handle.db.updateTable('challenges').set({ state: 'published' }).where('id', '=', c.id).execute();
}

/** Closes now: no more uploads, and the private board is revealed (it also is at the deadline, by time). */
export async function closeNow(handle: DbHandle, c: Challenge): Promise<void> {
  if (c.state === 'draft') throw new UserError(409, 'draft', 'A draft cannot be closed; publish it first.');
  const now = nowIso();
  await handle.db.updateTable('challenges').set({ state: 'closed', closes_at: c.closes_at < now ? c.closes_at : now }).where('id', '=', c.id).execute();
}

/** Freezes or unfreezes the public board while the challenge runs; the close ends any freeze, so neither is offered after it. */
export async function setFrozen(handle: DbHandle, c: Challenge, frozen: boolean): Promise<void> {
  if (c.state !== 'draft' && phase(c) === 'closed') {
    throw new UserError(409, 'challenge_closed', `This challenge has closed: the freeze ended at the close and the public leaderboard shows every submission, so it can no longer be ${frozen ? 'frozen' : 'unfrozen'}.`);
  }
  await handle.db.updateTable('challenges').set({ public_frozen_at: frozen ? (c.public_frozen_at ?? nowIso()) : null }).where('id', '=', c.id).execute();
}

/** After the close, publishes the full solution as open data with a citation block. */
export async function setOpenData(handle: DbHandle, c: Challenge, on: boolean, doi: string | null): Promise<void> {
  if (on && phase(c) !== 'closed') throw new UserError(409, 'not_closed', 'The solution can be published only after the challenge has closed.');
  await handle.db.updateTable('challenges').set({ open_data: on ? 1 : 0, doi: doi?.trim() || null }).where('id', '=', c.id).execute();
}

/**
 * Takes a user off a challenge's organizers. A challenge keeps at least one organizer (admins
 * organize every challenge, but someone must answer for it), so removing the last one is refused.
 */
export async function removeChallengeOrganizer(handle: DbHandle, c: Pick<Challenge, 'id'>, userId: number): Promise<void> {
  const pg = handle.dialect === 'postgres';
  await handle.db.transaction().execute(async (tx) => {
    // Lock the challenge row on PostgreSQL, so two concurrent removals cannot both see two organizers.
    await tx.selectFrom('challenges').select('id').where('id', '=', c.id).$if(pg, (q) => q.forUpdate()).executeTakeFirst();
    const list = await organizersOf(tx, c.id);
    if (!list.some((o) => o.id === userId)) throw new UserError(404, 'not_an_organizer', 'This user does not organize this challenge.');
    if (list.length === 1) throw new UserError(400, 'last_organizer', 'A challenge keeps at least one organizer: add another organizer before removing this one.');
    await removeOrganizer(tx, c.id, userId);
  });
  // The menu's "Organize" comes with the session lookup: let this process see the change at once.
  forgetUserSessions(handle.db, userId);
}

/** The citation block of an open-data challenge. */
export async function citationBlock(handle: DbHandle, c: Challenge, url: string) {
  const organizers = (await organizersOf(handle, c.id)).map((o) => o.name);
  const year = c.closes_at.slice(0, 4);
  const key = `${c.slug.replace(/-/g, '_')}_${year}`;
  const bibtex = [
    `@misc{${key},`,
    `  title = {${c.title}},`,
    `  author = {${organizers.join(' and ') || 'Sift'}},`,
    `  year = {${year}},`,
    `  howpublished = {\\url{${url}}},`,
    ...(c.doi ? [`  doi = {${c.doi}},`] : []),
    `  note = {Challenge data and solution}`,
    `}`,
  ].join('\n');
  return { title: c.title, organizers, year, url, doi: c.doi, bibtex, text: `${organizers.join(', ') || 'Sift'} (${year}). ${c.title}. ${url}${c.doi ? `. doi:${c.doi}` : ''}` };
}

// ---- exports

export const toCsv = (rows: Array<Record<string, unknown>>, columns: string[]): string => csvLine(columns) + rows.map((r) => csvLine(columns.map((k) => r[k]))).join('');

export async function exportBoard(handle: DbHandle, c: Challenge, which: 'public' | 'private') {
  const rows = await board(handle.db, c, which, true, { live: true });
  return rows.map((r) => ({
    rank: r.rank, name: r.name, team_id: r.teamId, members: r.members.join('; '), user_id: r.userId, submission_id: r.submissionId,
    score: r.score, entries: r.entries, created_at: r.createdAt, is_baseline: r.isBaseline, rank_change: r.rankChange,
  }));
}
export const BOARD_COLUMNS = ['rank', 'name', 'team_id', 'members', 'user_id', 'submission_id', 'score', 'entries', 'created_at', 'is_baseline', 'rank_change'];

export async function exportSubmissions(handle: DbHandle, c: Challenge) {
  return handle.db
    .selectFrom('submissions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select([
      's.id', 's.user_id', 'u.name as user_name', 'u.email as user_email', 's.team_id', 't.name as team_name', 's.created_at', 's.status', 's.public_score',
      's.private_score', 's.scorer_version', 's.solution_sha256', 's.selected', 's.is_baseline', 's.original_name', 's.sha256', 's.size_bytes', 's.row_count',
      's.message', 's.error', 's.scored_at', 's.late',
    ])
    .where('s.challenge_id', '=', c.id)
    .orderBy('s.id')
    .execute();
}
export const SUBMISSION_COLUMNS = [
  'id', 'user_id', 'user_name', 'user_email', 'team_id', 'team_name', 'created_at', 'status', 'public_score', 'private_score', 'scorer_version',
  'solution_sha256', 'selected', 'is_baseline', 'original_name', 'sha256', 'size_bytes', 'row_count', 'message', 'error', 'scored_at', 'late',
];

