/** Creating a draft challenge from uploaded files. */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { findChallengeById, slugExists } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import { addOrganizer } from './access.js';
import { header, placeUpload, type ChallengeSetup, type DataKind } from './setup.js';
import { challengeFolderKey, type ObjectStorage } from '../storage/index.js';

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A new draft from uploaded train, test and solution files (and an optional sample submission).
 * Its settings start from guesses read from the solution's header; the creator becomes its organizer.
 */
export async function createDraft(
  db: Db,
  storage: ObjectStorage,
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
  if (!problems.length && ((await slugExists(db, slug)) || (await storage.list(`${challengeFolderKey(slug)}/`)).length > 0)) problems.push(`slug: '${slug}' is taken`);
  if (problems.length) throw new UserError(400, 'invalid_challenge', problems.join('; '), { problems });

  // Written in this machine's copy of the folder, then published to the storage.
  const dir = await storage.localDir(challengeFolderKey(slug));
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
  const row = await db
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
      folder: challengeFolderKey(slug),
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
  await addOrganizer(db, row.id, userId);
  fs.writeFileSync(path.join(dir, '.setup-guess.json'), JSON.stringify(setup));
  await storage.publishLocalDir(challengeFolderKey(slug));
  return (await findChallengeById(db, row.id))!;
}
