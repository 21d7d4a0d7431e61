/** The settings form: its starting values, and saving it (checked as an import of the folder would be). */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { findChallengeById } from '../challenges/repo.js';
import { ChallengeFolderError, defaultHigherIsBetter, METRICS, FORMATS } from '../challenges/definition.js';
import { SolutionFileError } from '../challenges/solution.js';
import { checkChallengeFolder, saveChallenge } from '../challenges/service.js';
import { metricNames } from '../../scorers/registry.js';
import { UserError } from '../web/errors.js';
import { parseSubmission } from '../submissions/parse.js';
import {
  backupFolderFiles,
  distinctValues,
  findFile,
  GENERATED_SAMPLE,
  GENERATED_SAMPLE_MARK,
  header,
  sourceSolution,
  writeCanonicalSolution,
  writeChallengeYaml,
  writeSampleSubmission,
  type ChallengeSetup,
} from './setup.js';
import { importedFromFolder, IMPORTED_NOTE, isConfigured, setupOf } from './setup-status.js';
import type { LocalChallenge } from '../challenges/service.js';
import type { ObjectStorage } from '../storage/index.js';

/** Metrics offered by the form: the scorers' registry, as challenge.yaml accepts them. */
export const metricChoices = (): string[] => metricNames().filter((m) => (METRICS as readonly string[]).includes(m));

/** The settings form's starting values: the saved ones, or the guesses made at creation. */
export async function settingsForm(c: LocalChallenge) {
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
function folderProblems(c: LocalChallenge, err: ChallengeFolderError | SolutionFileError): UserError {
  const list = err.problems.map((p) => p.split(c.folder + path.sep).join('').split(c.folder).join('folder'));
  return new UserError(400, 'invalid_settings', `The challenge has ${list.length} problem${list.length === 1 ? '' : 's'}.`, { problems: list });
}

/**
 * Writes the canonical solution and challenge.yaml, checks the folder as an import would (scoring
 * problems and id mismatches included), and, when the organizer uploaded no sample submission,
 * writes one and checks it with the challenge's own parser.
 */
async function writeAndCheckFolder(c: LocalChallenge, src: string, setup: ChallengeSetup, yaml: Record<string, unknown>) {
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
export async function configure(db: Db, storage: ObjectStorage, c: LocalChallenge, body: Record<string, unknown>): Promise<LocalChallenge> {
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
    await saveChallenge(db, saved.def, c.folder_key, saved.solution.sha256, { state: c.state, id: c.id });
  } catch (err) {
    // A refused change leaves the challenge's files as they were (a live challenge keeps scoring).
    await backup.restore();
    throw err;
  }
  await backup.discard();
  // The checked files, from this machine's copy of the folder to the storage every process reads.
  await storage.publishLocalDir(c.folder_key);
  await db
    .updateTable('challenges')
    .set({ team_size: teamSize, merge_deadline: mergeDeadline ? new Date(mergeDeadline).toISOString() : null, setup_json: JSON.stringify(setup), doi: str('doi') || c.doi })
    .where('id', '=', c.id)
    .execute();
  return { ...(await findChallengeById(db, c.id))!, folder: c.folder };
}
