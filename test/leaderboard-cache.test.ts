import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import request from 'supertest';
import type { Express } from 'express';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { buildApp } from '../src/app.js';
import { openConfiguredDb } from '../src/db/open.js';
import type { DbHandle } from '../src/db/index.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { score, scoreJobHandler, setSelected } from '../src/submissions/service.js';
import { acceptInvite, createInvite, createTeam, leaveTeam, mergeTeams } from '../src/teams/service.js';
import { closeNow, setFrozen } from '../src/organizers/publishing.js';
import { boardSnapshot } from '../src/leaderboards/cache.js';
import { createApiToken } from '../src/accounts/tokens.js';

const SLUG = 'xray-sources';
const DAY = 86_400_000;

/**
 * Prediction files with known scores: the sample (some score S on both subsets), and files right on
 * one subset and wrong on the other, so the public and the private boards disagree.
 */
function predictionFiles() {
  const solution = zlib.gunzipSync(fs.readFileSync(datasetFile(SLUG, 'solution.csv.gz'))).toString().trim().split('\n').slice(1).map((l) => l.split(','));
  const classes = [...new Set(solution.map((r) => r[1]))];
  const wrong = (label: string) => classes[(classes.indexOf(label) + 1) % classes.length];
  const file = (rightOn: 'Public' | 'Private') => zlib.gzipSync(`name,Class\n${solution.map(([id, label, usage]) => `${id},${usage === rightOn ? label : wrong(label)}`).join('\n')}\n`);
  return { sample: fs.readFileSync(datasetFile(SLUG, 'sample_submission.csv.gz')), publicOnly: file('Public'), privateOnly: file('Private') };
}

interface Row {
  name: string;
  score: number;
  members: string[];
  submissionId: number;
  entries: number;
}

describe('leaderboard cache: never stale after a change, on two app instances sharing one database', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let second: { handle: DbHandle; app: Express };
  let c: Challenge;
  const files = predictionFiles();
  const ids: Record<string, number> = {};
  const agents: Record<string, Awaited<ReturnType<typeof signedInAgent>>> = {};
  const subs: Record<string, number> = {};
  let adminToken: string;

  const refresh = async () => (c = (await findChallengeBySlug(ctx.handle.db, SLUG))!);
  const submit = async (who: string, file: Buffer, key: string) => {
    const res = await agents[who].agent.post(`/challenges/${SLUG}/submissions?_csrf=${agents[who].csrf}`).set('Accept', 'application/json').attach('file', file, 'p.csv.gz').expect(202);
    const row = await waitForTerminal(ctx.handle, res.body.submission.id);
    assert.equal(row.status, 'scored', row.error ?? '');
    subs[key] = row.id;
    return row;
  };
  /** The board as JSON from both app instances, which must agree: from the API (public) or an organizer's web JSON (private). */
  const read = async (which: 'public' | 'private' = 'public'): Promise<{ rows: Row[]; frozenAt: string | null; revealed: boolean }> => {
    const bodies = [];
    for (const app of [ctx.app, second.app]) {
      const res =
        which === 'public'
          ? await request(app).get(`/api/v1/challenges/${SLUG}/leaderboard`).expect(200)
          : await request(app).get(`/api/v1/challenges/${SLUG}/leaderboard/private`).set('Authorization', `Bearer ${adminToken}`).expect(200);
      bodies.push(res.body);
    }
    assert.deepEqual(bodies[1], bodies[0], 'both app instances serve the same board');
    return bodies[0];
  };
  const summary = (rows: Row[]) => rows.map((r) => `${r.name}${r.members.length ? `[${r.members.join('+')}]` : ''} ${r.score.toFixed(4)} ×${r.entries}`);

  before(async () => {
    ctx = await createTestContext({ challenges: [SLUG], workers: 1 });
    const handle = await openConfiguredDb(ctx.config);
    second = { handle, app: buildApp({ config: ctx.config, storage: ctx.storage, db: handle, nudgeWorkers: () => {}, secureCookies: false, uploads: ctx.uploads }) };
    for (const n of ['admin', 'ann', 'ben', 'cat', 'dan', 'eve']) {
      agents[n] = await signedInAgent(ctx.app, `${n}@example.org`, n); // the first account (admin) is the admin
      ids[n] = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', `${n}@example.org`).executeTakeFirstOrThrow()).id;
    }
    // Opened 1.5 days ago (merges allow 2 days × 5 submissions), teams of up to 4.
    adminToken = (await createApiToken(ctx.handle.db, ids.admin, { name: 'boards' })).token;
    await ctx.handle.db.updateTable('challenges').set({ team_size: 4, opens_at: new Date(Date.now() - 1.5 * DAY).toISOString() }).execute();
    await refresh();
  });
  after(async () => {
    await second?.handle.destroy();
    await ctx?.close();
  });

  it('shows a newly scored submission', async () => {
    assert.deepEqual((await read()).rows, []);
    const row = await submit('ann', files.sample, 'annSample');
    const rows = (await read()).rows;
    assert.deepEqual(summary(rows), [`ann ${row.public_score!.toFixed(4)} ×1`]);
  });

  it('answers If-None-Match with 304 until the board changes (API, web JSON and page)', async () => {
    const api = `/api/v1/challenges/${SLUG}/leaderboard`;
    const page = `/challenges/${SLUG}/leaderboard`;
    const first = await request(ctx.app).get(api).expect(200);
    const etag = first.headers.etag;
    assert.match(etag, /^"[^"]+"$/, 'a strong ETag');
    assert.equal(first.headers['cache-control'], 'private, no-cache', 'revalidated on every use');
    assert.equal((await request(second.app).get(api).expect(200)).headers.etag, etag, 'the same ETag from the other instance');
    const notModified = await request(ctx.app).get(api).set('If-None-Match', etag).expect(304);
    assert.equal(notModified.text, '');
    const webJson = await request(ctx.app).get(page).set('Accept', 'application/json').expect(200);
    assert.notEqual(webJson.headers.etag, undefined);
    await request(ctx.app).get(page).set('Accept', 'application/json').set('If-None-Match', webJson.headers.etag).expect(304);
    // The page: visitors share one; a signed-in viewer's differs (their header, their row).
    const anon = await request(ctx.app).get(page).expect(200);
    await request(ctx.app).get(page).set('If-None-Match', anon.headers.etag).expect(304);
    const annPage = await agents.ann.agent.get(page).expect(200);
    assert.notEqual(annPage.headers.etag, anon.headers.etag);
    assert.match(annPage.text, /data-testid="my-row"/);
    assert.doesNotMatch(anon.text, /data-testid="my-row"/);
    await agents.ann.agent.get(page).set('If-None-Match', anon.headers.etag).expect(200);
    await agents.ann.agent.get(page).set('If-None-Match', annPage.headers.etag).expect(304);
    // A change: every old ETag gets the new board.
    await submit('ben', files.sample, 'benSample');
    for (const app of [ctx.app, second.app]) {
      const fresh = await request(app).get(api).set('If-None-Match', etag).expect(200);
      assert.notEqual(fresh.headers.etag, etag);
      assert.equal(fresh.body.rows.length, 2);
    }
    const newPage = await request(ctx.app).get(page).set('If-None-Match', anon.headers.etag).expect(200);
    assert.match(newPage.text, />ben</);
  });

  it('gzips the JSON board for clients that accept it, with its own ETag, and sends it plain to the others', async () => {
    const api = `/api/v1/challenges/${SLUG}/leaderboard`;
    const raw = (encoding: string) =>
      request(ctx.app)
        .get(api)
        .set('Accept-Encoding', encoding)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
    const gz = await raw('gzip');
    const plain = await raw('identity');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(gz.headers.vary, /Accept-Encoding/);
    assert.notEqual(gz.headers.etag, plain.headers.etag, 'each encoding has its own strong ETag');
    // supertest inflates a gzip body as it arrives: a body that was not gzip would have failed here.
    assert.deepEqual(JSON.parse((gz.body as Buffer).toString()), JSON.parse((plain.body as Buffer).toString()));
    await request(ctx.app).get(api).set('Accept-Encoding', 'gzip').set('If-None-Match', gz.headers.etag).expect(304);
    await request(ctx.app).get(api).set('Accept-Encoding', 'identity').set('If-None-Match', gz.headers.etag).expect(200);
  });

  it('pages the JSON rows with ?page= and ?per_page=, and names a bad one', async () => {
    const all = await request(ctx.app).get(`/api/v1/challenges/${SLUG}/leaderboard`).expect(200);
    assert.equal(all.body.total, 2);
    assert.equal(all.body.page, undefined, 'no paging asked: every row, as before');
    const second_ = await request(ctx.app).get(`/api/v1/challenges/${SLUG}/leaderboard?page=2&per_page=1`).expect(200);
    assert.deepEqual(second_.body.rows, [all.body.rows[1]]);
    assert.equal(second_.body.total, 2);
    assert.equal(second_.body.page, 2);
    assert.equal(second_.body.perPage, 1);
    assert.notEqual(second_.headers.etag, all.headers.etag);
    const bad = await request(ctx.app).get(`/api/v1/challenges/${SLUG}/leaderboard?per_page=0`).expect(400);
    assert.match(bad.body.error.message, /query: per_page: must be a whole number from 1 to 1000/);
  });

  it('drops a row whose re-score failed, and shows it again when re-scored', async () => {
    const before = (await read()).rows;
    await scoreJobHandler(ctx.handle, ctx.storage).giveUp({ submissionId: subs.benSample }, 'test failure');
    assert.deepEqual(summary((await read()).rows), summary(before).filter((s) => s.startsWith('ann')));
    await score(ctx.handle, ctx.storage, subs.benSample, { rescore: true });
    assert.deepEqual(summary((await read()).rows), summary(before));
  });

  it('follows final selections and a change of the final-selections setting', async () => {
    await submit('ann', files.publicOnly, 'annPublicOnly');
    await submit('ann', files.privateOnly, 'annPrivateOnly');
    const ann = async () => (await read('private')).rows.find((r) => r.name === 'ann')!;
    // No selection: her best 2 public (publicOnly, sample) count; the sample is the better private one of those.
    assert.equal((await ann()).submissionId, subs.annSample);
    await setSelected(ctx.handle, c, ids.ann, subs.annPrivateOnly, true);
    assert.equal((await ann()).submissionId, subs.annPrivateOnly);
    await setSelected(ctx.handle, c, ids.ann, subs.annPrivateOnly, false);
    assert.equal((await ann()).submissionId, subs.annSample);
    // The setting, as an organizer's form (or another process) writes it: all 3 count.
    await ctx.handle.db.updateTable('challenges').set({ final_selections: 3 }).where('id', '=', c.id).execute();
    await refresh();
    assert.equal((await ann()).submissionId, subs.annPrivateOnly);
  });

  it('follows teams: created, joined, left and merged', async () => {
    const names = async () => (await read()).rows.map((r) => `${r.name}${r.members.length ? `[${r.members.join('+')}]` : ''}`).sort();
    assert.deepEqual(await names(), ['ann', 'ben']);
    const aurora = await createTeam(ctx.handle, c, ids.ann, 'Aurora');
    assert.deepEqual(await names(), ['Aurora[ann]', 'ben']);
    await acceptInvite(ctx.handle, (await createInvite(ctx.handle.db, aurora.id, ids.ann)).token, ids.ben);
    assert.deepEqual(await names(), ['Aurora[ann+ben]']);
    await acceptInvite(ctx.handle, (await createInvite(ctx.handle.db, aurora.id, ids.ann)).token, ids.cat);
    assert.deepEqual(await names(), ['Aurora[ann+ben+cat]']);
    await leaveTeam(ctx.handle, c, ids.cat);
    assert.deepEqual(await names(), ['Aurora[ann+ben]']);
    await submit('dan', files.sample, 'danSample');
    const dingo = await createTeam(ctx.handle, c, ids.dan, 'Dingo');
    assert.deepEqual(await names(), ['Aurora[ann+ben]', 'Dingo[dan]']);
    assert.equal((await mergeTeams(ctx.handle, c, dingo.id, aurora.id, ids.dan)).status, 'requested');
    assert.equal((await mergeTeams(ctx.handle, c, dingo.id, aurora.id, ids.ann)).status, 'merged');
    assert.deepEqual(await names(), ['Aurora[ann+ben+dan]']);
    // The page too (visitors' cached page).
    assert.match((await request(second.app).get(`/challenges/${SLUG}/leaderboard`).expect(200)).text, /ann, ben, dan/);
  });

  it('follows a freeze and an unfreeze', async () => {
    assert.equal((await read()).frozenAt, null);
    await setFrozen(ctx.handle.db, c, true);
    await refresh();
    assert.equal((await read()).frozenAt, c.public_frozen_at);
    await new Promise((r) => setTimeout(r, 5));
    await submit('eve', files.publicOnly, 'evePublicOnly');
    assert.equal((await read()).rows.some((r) => r.name === 'eve'), false, 'made after the freeze: not on the frozen board');
    await setFrozen(ctx.handle.db, c, false);
    await refresh();
    const unfrozen = await read();
    assert.equal(unfrozen.frozenAt, null);
    assert.deepEqual(unfrozen.rows.map((r) => r.name), ['Aurora', 'eve'], 'eve ties Aurora\'s best, later');
  });

  it('keys boards by phase, so a board cached before the close is not served after it, by the clock alone', async () => {
    const before = await boardSnapshot(ctx.handle.db, c, new Date(Date.parse(c.closes_at) - 1000));
    const after = await boardSnapshot(ctx.handle.db, c, new Date(Date.parse(c.closes_at) + 1000));
    assert.notEqual(before.stamp, after.stamp);
  });

  it('reveals the private board and the rank moves at a close', async () => {
    await request(ctx.app).get(`/api/v1/challenges/${SLUG}/leaderboard/private`).expect(403);
    const open = await read();
    assert.equal(open.revealed, false);
    await closeNow(ctx.handle.db, c);
    await refresh();
    const closed = await read();
    assert.equal(closed.revealed, true);
    for (const app of [ctx.app, second.app]) {
      const priv = await request(app).get(`/api/v1/challenges/${SLUG}/leaderboard/private`).expect(200);
      assert.equal(priv.body.rows.length, 2);
    }
  });
});
