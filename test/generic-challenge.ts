/** A made-up three-class challenge with numeric columns x1..x4, created through the organizer console as a new organizer would. */
import fs from 'node:fs';
import path from 'node:path';
import { JSON_, local, type Agent } from './organizer-helpers.js';
import { seededRandom } from '../src/seeded-random.js';

export const CLASSES = ['alpha', 'beta', 'gamma'];

/** Train, test, solution and sample files of a made-up three-class problem with columns x1..x4. */
export function writeGenericChallenge(dir: string): Record<string, string> {
  const rng = seededRandom(11);
  const row = (k: number) => [k * 2 + rng(), (k === 1 ? 5 : 0) + rng() * 2, Math.round(rng() * 10), -1 + rng()].map((v) => v.toFixed(3));
  const train = ['id,x1,x2,x3,x4,label'];
  for (let i = 0; i < 90; i++) train.push([`tr${i}`, ...row(i % 3), CLASSES[i % 3]].join(','));
  const test = ['id,x1,x2,x3,x4'];
  const solution = ['id,label,Usage'];
  const sample = ['id,label'];
  for (let i = 0; i < 30; i++) {
    test.push([`te${i}`, ...row(i % 3)].join(','));
    solution.push([`te${i}`, CLASSES[i % 3], i % 2 ? 'Public' : 'Private'].join(','));
    sample.push(`te${i},alpha`);
  }
  const files: Record<string, string> = {};
  for (const [name, lines] of Object.entries({ train, test, solution, sample_submission: sample })) {
    files[name] = path.join(dir, `${name}.csv`);
    fs.writeFileSync(files[name], lines.join('\n') + '\n');
  }
  return files;
}

/** Uploads the files as draft `slug`, saves its settings, publishes it and turns the crowd on (5 gold per class). */
export async function createGenericChallengeFromWeb(org: Agent, dir: string, slug = 'generic'): Promise<void> {
  const files = writeGenericChallenge(dir);
  const draft = org.agent.post(`/organize/new?_csrf=${org.csrf}`).set('Accept', JSON_).field('slug', slug).field('title', 'Three kinds of things');
  for (const [field, file] of Object.entries(files)) draft.attach(field, file);
  await draft.expect(201);
  await org.agent
    .post(`/organize/${slug}/settings`)
    .set('Accept', JSON_)
    .send({ _csrf: org.csrf, title: 'Three kinds of things', description: 'Tell alpha, beta and gamma apart.', id_column: 'id', target_column: 'label', weight_column: '', classes: CLASSES.join(', '), split: 'column', usage_column: 'Usage', metric: 'accuracy', format: 'label', opens_at: local(new Date(Date.now() - 86_400_000)), closes_at: local(new Date(Date.now() + 30 * 86_400_000)), daily_limit: '5', final_selections: '2', team_size: '1' })
    .expect(200);
  await org.agent.post(`/organize/${slug}/publish`).set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1 }).expect(200);
  await org.agent.post(`/organize/${slug}/crowd`).set('Accept', JSON_).send({ _csrf: org.csrf, goldPerClass: '5' }).expect(200);
}
