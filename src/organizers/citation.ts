import type { Db } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { organizersOf } from './access.js';

/** The citation block of an open-data challenge. */
export async function citationBlock(db: Db, c: Challenge, url: string) {
  const organizers = (await organizersOf(db, c.id)).map((o) => o.name);
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
