import assert from 'node:assert/strict';
import request from 'supertest';
import { signedInAgent } from './helpers.js';
import { crowdContext, goldClass, serve, setChances, vote, type Agent } from './crowd-helpers.js';
import { signServe } from '../src/crowd/token.js';

describe('crowd: workflow, serving and training', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  before(async () => {
    ctx = await crowdContext({ retireCount: 3 });
  });
  after(async () => ctx.close());

  it('takes live subjects from test rows and gold from train rows, without labels in the features', async () => {
    const rows = await ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('workflow_id', '=', ctx.workflowId).execute();
    const live = rows.filter((r) => !r.is_gold);
    const gold = rows.filter((r) => r.is_gold);
    assert.equal(live.length, 40);
    assert.ok(gold.length >= 20, `${gold.length} gold`);
    assert.ok(gold.every((g) => g.gold_class !== null && g.gold_class >= 0));
    assert.ok(live.every((l) => l.gold_class === null));
    for (const r of rows) {
      const f = JSON.parse(r.features_json);
      assert.equal(f.Class, undefined);
      assert.equal(f.OriginalClass, undefined);
    }
    // Gold covers the rare classes too.
    assert.deepEqual([...new Set(gold.map((g) => g.gold_class))].sort(), [0, 1, 2, 3, 4]);
  });

  it('renders a subject page with the feature card, SVG plots and one button per class', async () => {
    const agent = request.agent(ctx.app);
    // A first visit goes to the tutorial once (test/crowd-training.test.ts); seen, the subject page comes.
    await agent.get('/crowd/xmm-sources/tutorial').expect(200);
    const page = await agent.get('/crowd/xmm-sources/classify').expect(200);
    assert.match(page.text, /<svg[^>]+class="plot spectrum"/);
    assert.match(page.text, /<svg[^>]+class="plot skymap"/);
    assert.match(page.text, /Hardness ratio HR1/);
    assert.match(page.text, /X-ray to optical/);
    assert.match(page.text, /Gaia G/);
    for (const c of ['AGN', 'Star', 'XRB', 'CV', 'Other']) assert.match(page.text, new RegExp(`data-testid="answer-${c}"`));
    assert.match(page.text, /Training subject/);
    assert.match(page.text, /data-key="1" aria-keyshortcuts="1">AGN \(active galactic nucleus\) <kbd>1<\/kbd>/, "the button shows the class display name and its key");
    assert.match(page.text, /name="viewport"/);
  });

  it('starts new volunteers on gold with feedback and clues, then mixes gold in at the training chances', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'trainee@example.org', 'Trainee');
    for (let i = 0; i < 3; i++) {
      const s = await serve(agent);
      assert.equal(s.training, true, `subject ${i} should be training`);
      const truth = await goldClass(ctx, s.subject!.id);
      assert.ok(truth);
      const wrong = truth === 'AGN' ? 'Star' : 'AGN';
      const res = await vote(agent, csrf, s.token, i === 0 ? wrong : truth).expect(201);
      assert.equal(res.body.vote.feedback.trueClass, truth);
      assert.equal(res.body.vote.feedback.correct, i !== 0);
      assert.ok(res.body.vote.feedback.clues.length > 20);
      assert.equal(res.body.vote.counted, false);
    }
    // The HTML feedback page after a training answer shows the class and its clues.
    const s = await serve(agent);
    // training chance at experience 3 is 0.5: either kind may come; force the check on a gold one
    if (s.training) {
      const page = await agent.post('/crowd/xmm-sources/votes').type('form').send({ _csrf: csrf, token: s.token, answer: 'AGN' }).expect(200);
      assert.match(page.text, /The right answer is <strong data-testid="true-class">/);
      assert.match(page.text, /Clues for/);
    } else {
      await agent.post('/crowd/xmm-sources/votes').type('form').send({ _csrf: csrf, token: s.token, answer: 'AGN' }).expect(303);
    }
    // With the floor at 0, an experienced volunteer only gets live subjects.
    await setChances(ctx, [1, 1, 1, 0]);
    for (let i = 0; i < 5; i++) {
      const live = await serve(agent);
      assert.equal(live.training, false);
      await vote(agent, csrf, live.token, 'AGN').expect(201);
    }
    await setChances(ctx, [1, 1, 1, 0.5, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1]);
  });

  it('shows the same unanswered subject on reload and never serves a subject twice', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'many@example.org', 'Many');
    const a = await serve(agent);
    const b = await serve(agent);
    assert.equal(a.subject!.id, b.subject!.id);
    const seen = new Set<number>();
    for (;;) {
      const s = await serve(agent);
      if (!s.subject) break;
      assert.ok(!seen.has(s.subject.id), `subject ${s.subject.id} served twice`);
      seen.add(s.subject.id);
      await vote(agent, csrf, s.token, 'AGN').expect(201);
    }
    assert.ok(seen.size > 30);
    const page = await agent.get('/crowd/xmm-sources/classify').expect(200);
    assert.match(page.text, /data-testid="done"/);
  });
});

describe('crowd: abuse', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  before(async () => {
    ctx = await crowdContext({ retireCount: 3, trainingChances: [0] });
  });
  after(async () => ctx.close());

  it('counts a duplicate vote once', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'dup@example.org');
    const s = await serve(agent);
    const first = await vote(agent, csrf, s.token, 'Star').expect(201);
    assert.equal(first.body.vote.counted, true);
    const again = await vote(agent, csrf, s.token, 'AGN').expect(409);
    assert.equal(again.body.error.code, 'duplicate_vote');
    const n = await ctx.handle.db.selectFrom('crowd_votes').select((eb) => eb.fn.countAll<number>().as('n')).where('subject_id', '=', s.subject!.id).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 1);
    const subj = await ctx.handle.db.selectFrom('crowd_subjects').select('vote_count').where('id', '=', s.subject!.id).executeTakeFirstOrThrow();
    assert.equal(subj.vote_count, 1);
    // The database constraint holds on its own as well.
    const row = await ctx.handle.db.selectFrom('crowd_votes').selectAll().where('subject_id', '=', s.subject!.id).executeTakeFirstOrThrow();
    const { id: _id, ...copy } = row;
    await assert.rejects(ctx.handle.db.insertInto('crowd_votes').values({ ...copy, voter: 'u:other' }).execute());
  });

  it('counts a burst of simultaneous copies of one vote once (they may share one commit)', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'burst@example.org');
    const s = await serve(agent);
    const countBefore = (await ctx.handle.db.selectFrom('crowd_subjects').select('vote_count').where('id', '=', s.subject!.id).executeTakeFirstOrThrow()).vote_count;
    const all = await Promise.all(Array.from({ length: 6 }, (_, i) => vote(agent, csrf, s.token, i % 2 ? 'AGN' : 'Star')));
    assert.deepEqual(all.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409]);
    assert.ok(all.filter((r) => r.status === 409).every((r) => r.body.error.code === 'duplicate_vote'));
    const me = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'burst@example.org').executeTakeFirstOrThrow();
    const votes = await ctx.handle.db.selectFrom('crowd_votes').select('answer').where('subject_id', '=', s.subject!.id).where('user_id', '=', me.id).execute();
    assert.equal(votes.length, 1);
    const subj = await ctx.handle.db.selectFrom('crowd_subjects').select('vote_count').where('id', '=', s.subject!.id).executeTakeFirstOrThrow();
    assert.equal(subj.vote_count, countBefore + 1);
  });

  it('rejects a vote on a subject that was not served to the voter', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'forger@example.org');
    const other = await signedInAgent(ctx.app, 'victim@example.org');
    const theirs = await serve(other.agent);
    // Someone else's token.
    const stolen = await vote(agent, csrf, theirs.token, 'AGN').expect(403);
    assert.equal(stolen.body.error.code, 'not_served');
    // A forged token (wrong secret) for a subject never served.
    const forged = signServe(Buffer.from('not the secret at all, really'), { voter: 'u:999', workflowId: ctx.workflowId, subjectId: theirs.subject!.id, servedAt: Date.now() - 5000 });
    await vote(agent, csrf, forged, 'AGN').expect(403);
    // A tampered token.
    const mine = await serve(agent);
    const [body, sig] = mine.token.split('.');
    const altered = JSON.parse(Buffer.from(body, 'base64url').toString());
    altered[2] = mine.subject!.id + 1;
    await vote(agent, csrf, `${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${sig}`, 'AGN').expect(403);
    await vote(agent, csrf, 'garbage', 'AGN').expect(403);
    await vote(agent, csrf, '', 'AGN').expect(403);
    const n = await ctx.handle.db.selectFrom('crowd_votes').select((eb) => eb.fn.countAll<number>().as('n')).where('voter', '=', 'u:999').executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  });

  it('lists each workflow under its challenge, with its classes and the comparison, in no one field’s words', async () => {
    const page = await request(ctx.app).get('/crowd').expect(200);
    assert.match(page.text, /<h1>Classify with the crowd<\/h1>/);
    assert.doesNotMatch(page.text, /X-ray sources<\/h1>|sources to classify/);
    assert.match(page.text, /href="\/challenges\/xmm-sources"/);
    assert.match(page.text, /classes AGN, Star, XRB, CV, Other/);
    assert.match(page.text, /href="\/crowd\/xmm-sources\/compare"/);
  });

  it('stores anonymous votes without weight toward retirement', async () => {
    const anons: Agent[] = [];
    let target: number | null = null;
    for (let i = 0; i < 5; i++) {
      const agent = request.agent(ctx.app);
      const page = await agent.get('/crowd').expect(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? (await agent.get('/login')).text.match(/name="_csrf" value="([^"]+)"/)![1];
      const s = await serve(agent);
      target ??= s.subject!.id;
      const res = await vote(agent, csrf, s.token, 'XRB').expect(201);
      assert.equal(res.body.vote.counted, false);
      anons.push(agent);
    }
    const rows = await ctx.handle.db.selectFrom('crowd_votes').selectAll().where('anon_id', 'is not', null).execute();
    assert.equal(rows.length, 5);
    const subjects = await ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'vote_count', 'anon_count', 'retired_at', 'posterior_json']).where('id', 'in', rows.map((r) => r.subject_id)).execute();
    for (const s of subjects) {
      assert.ok(s.anon_count >= 1);
      assert.equal(s.retired_at, null);
      assert.ok(s.vote_count < 3);
    }
    assert.ok(target);
  });
});

describe('crowd: minimum time on page', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  before(async () => {
    ctx = await crowdContext({ retireCount: 3, trainingChances: [0] }, { CROWD_MIN_VOTE_MS: '1500' });
  });
  after(async () => ctx.close());

  it('flags a vote cast faster than the minimum time', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'speedy@example.org');
    const s = await serve(agent);
    const res = await vote(agent, csrf, s.token, 'AGN').expect(201);
    assert.equal(res.body.vote.flagged, true);
    assert.ok(res.body.vote.timeMs < 1500);
  });
});

describe('crowd: rate limit', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  before(async () => {
    ctx = await crowdContext({ trainingChances: [0] }, { CROWD_VOTES_PER_MINUTE_USER: '3', CROWD_VOTES_PER_MINUTE_IP: '5' });
  });
  after(async () => ctx.close());

  it('limits votes per user and per IP', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'fast@example.org');
    for (let i = 0; i < 3; i++) {
      const s = await serve(agent);
      await vote(agent, csrf, s.token, 'AGN').expect(201);
    }
    const s = await serve(agent);
    const limited = await vote(agent, csrf, s.token, 'AGN').expect(429);
    assert.equal(limited.body.error.code, 'rate_limited');
    // Another user from the same IP has two left before the IP limit (5 per minute, 4 used).
    const b = await signedInAgent(ctx.app, 'other@example.org');
    const s1 = await serve(b.agent);
    await vote(b.agent, b.csrf, s1.token, 'AGN').expect(201);
    const s2 = await serve(b.agent);
    await vote(b.agent, b.csrf, s2.token, 'AGN').expect(429);
  });
});
