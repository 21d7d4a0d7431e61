/** Talk: comments (safe markdown), tags, anomaly flags and the organizers' review queue. */
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { FlagStatus } from '../db/tables/crowd.js';
import { UserError } from '../web/errors.js';
import { renderMarkdown } from '../web/render.js';

export async function addComment(db: Db, subjectId: number, userId: number, body: unknown): Promise<void> {
  const text = typeof body === 'string' ? body.trim() : '';
  if (!text) throw new UserError(400, 'empty_comment', 'Write something first.');
  if (text.length > 5000) throw new UserError(400, 'comment_too_long', 'Comments are at most 5,000 characters.');
  await db.insertInto('crowd_comments').values({ subject_id: subjectId, user_id: userId, body_md: text, created_at: nowIso() }).execute();
}

export async function comments(db: Db, subjectId: number) {
  const rows = await db
    .selectFrom('crowd_comments as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select(['c.id', 'c.body_md', 'c.created_at', 'u.name', 'u.id as user_id'])
    .where('c.subject_id', '=', subjectId)
    .orderBy('c.id')
    .execute();
  // Markdown only: raw HTML and script URLs are removed by renderMarkdown (sanitize-html).
  return rows.map((r) => ({ id: r.id, html: renderMarkdown(r.body_md), createdAt: r.created_at, author: r.name, userId: r.user_id }));
}

/** Tags are short hashtag-like words: letters, digits, '-' and '_'. */
export function normaliseTag(raw: unknown): string {
  const t = String(raw ?? '').trim().replace(/^#/, '').toLowerCase();
  if (!/^[\p{L}\p{N}_-]{1,40}$/u.test(t)) throw new UserError(400, 'bad_tag', 'A tag is 1 to 40 letters, digits, - or _.');
  return t;
}

export async function addTag(db: Db, subjectId: number, userId: number, raw: unknown): Promise<string> {
  const tag = normaliseTag(raw);
  await db.insertInto('crowd_tags').values({ subject_id: subjectId, user_id: userId, tag, created_at: nowIso() }).onConflict((oc) => oc.doNothing()).execute();
  return tag;
}

export async function tags(db: Db, subjectId: number) {
  const rows = await db.selectFrom('crowd_tags').select((eb) => ['tag', eb.fn.countAll<number>().as('n')]).where('subject_id', '=', subjectId).groupBy('tag').orderBy('tag').execute();
  return rows.map((r) => ({ tag: r.tag, n: Number(r.n) }));
}

export async function flagAnomaly(db: Db, subjectId: number, userId: number, note: unknown): Promise<void> {
  const text = typeof note === 'string' ? note.trim().slice(0, 1000) : '';
  await db
    .insertInto('crowd_flags')
    .values({ subject_id: subjectId, user_id: userId, note: text, status: 'open', created_at: nowIso() })
    .onConflict((oc) => oc.columns(['subject_id', 'user_id']).doUpdateSet({ note: text, status: 'open', reviewed_by: null, reviewed_at: null }))
    .execute();
}

export async function flagCount(db: Db, subjectId: number): Promise<number> {
  const r = await db.selectFrom('crowd_flags').select((eb) => eb.fn.countAll<number>().as('n')).where('subject_id', '=', subjectId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Flags on subjects of the given challenges ('all' for admins), newest first. */
export async function reviewQueue(db: Db, status: FlagStatus | 'all', challengeIds: number[] | 'all') {
  let q = db
    .selectFrom('crowd_flags as f')
    .innerJoin('crowd_subjects as s', 's.id', 'f.subject_id')
    .innerJoin('crowd_workflows as w', 'w.id', 's.workflow_id')
    .innerJoin('challenges as c', 'c.id', 'w.challenge_id')
    .innerJoin('users as u', 'u.id', 'f.user_id')
    .select(['f.id', 'f.note', 'f.status', 'f.created_at', 'f.reviewed_at', 's.id as subject_id', 's.external_id', 'c.slug', 'u.name as flagged_by'])
    .orderBy('f.id', 'desc')
    .limit(500);
  if (status !== 'all') q = q.where('f.status', '=', status);
  if (challengeIds !== 'all') q = q.where('w.challenge_id', 'in', challengeIds.length ? challengeIds : [-1]);
  return q.execute();
}

export async function reviewFlag(db: Db, flagId: number, reviewerId: number, status: unknown, challengeIds: number[] | 'all'): Promise<void> {
  if (status !== 'interesting' && status !== 'resolved' && status !== 'open') throw new UserError(400, 'bad_status', 'Status is interesting, resolved or open.');
  const flag = await db
    .selectFrom('crowd_flags as f')
    .innerJoin('crowd_subjects as s', 's.id', 'f.subject_id')
    .innerJoin('crowd_workflows as w', 'w.id', 's.workflow_id')
    .select('w.challenge_id')
    .where('f.id', '=', flagId)
    .executeTakeFirst();
  if (!flag) throw new UserError(404, 'not_found', 'No such flag.');
  if (challengeIds !== 'all' && !challengeIds.includes(flag.challenge_id)) throw new UserError(403, 'forbidden', "Only this challenge's organizers can review its flags.");
  const r = await db.updateTable('crowd_flags').set({ status, reviewed_by: reviewerId, reviewed_at: nowIso() }).where('id', '=', flagId).executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw new UserError(404, 'not_found', 'No such flag.');
}
