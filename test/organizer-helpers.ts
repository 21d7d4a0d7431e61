import fs from 'node:fs';
import zlib from 'node:zlib';
import { datasetFile, signedInAgent } from './helpers.js';

/** Shared by the organizer console, role-matrix and browser tests. */
export type Agent = Awaited<ReturnType<typeof signedInAgent>>;
export const JSON_ = 'application/json';

/** Reads a .csv.gz into rows of cells (the demo files have no quoted commas in these columns). */
export const rowsOf = (file: string) => zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').trim().split('\n').map((l) => l.split(','));

export const local = (d: Date) => d.toISOString().slice(0, 16);

/** The settings form for the xray-sources files, as an organizer would fill it in. */
export const xraySettings = (over: Record<string, string> = {}) => ({
  title: 'X-ray sources (console)',
  description: 'Classify Chandra sources.',
  id_column: 'name',
  target_column: 'Class',
  weight_column: '',
  classes: 'AGN, Star, XRB, CV, Other',
  split: 'column',
  usage_column: 'Usage',
  metric: 'macro_f1',
  format: 'label',
  opens_at: local(new Date(Date.now() - 86_400_000)),
  closes_at: local(new Date(Date.now() + 30 * 86_400_000)),
  daily_limit: '5',
  final_selections: '2',
  team_size: '3',
  ...over,
});

/** Creates a draft from the demo files through the console's upload form. */
export function createXrayDraft(org: Agent, slug: string) {
  return org.agent
    .post(`/organize/new?_csrf=${org.csrf}`)
    .set('Accept', JSON_)
    .field('slug', slug)
    .field('title', 'X-ray sources (console)')
    .attach('train', datasetFile('xray-sources', 'train.csv.gz'))
    .attach('test', datasetFile('xray-sources', 'test.csv.gz'))
    .attach('solution', datasetFile('xray-sources', 'solution.csv.gz'))
    .attach('sample_submission', datasetFile('xray-sources', 'sample_submission.csv.gz'));
}

