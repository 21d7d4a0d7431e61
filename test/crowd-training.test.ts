import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { csrfFrom, signedInAgent } from './helpers.js';
import { crowdContext, goldClass, organizerAgent, serve, setChances, vote, type Agent } from './crowd-helpers.js';
import { repoRoot } from '../src/paths.js';
import { plainNumber } from '../src/crowd/display/clues.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { deleteSimulatedCrowd, simulateCrowdVotes } from '../src/crowd/simulate/service.js';
import { simulatedUsers } from '../src/crowd/simulate/repo.js';
import { runConsensus } from '../src/crowd/consensus.js';
import { clearCrowdDisplay } from '../src/crowd/display/store.js';

type Ctx = Awaited<ReturnType<typeof crowdContext>>;
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
const SLUG = 'xmm-sources';
const GATE = { correct: 4, window: 5, eachClass: true };
/** The classes as the demo's challenge.yaml names them to volunteers. */
const SHOWN: Record<string, string> = { AGN: 'AGN (active galactic nucleus)', Star: 'Star', XRB: 'X-ray binary', CV: 'Cataclysmic variable', Other: 'Isolated neutron star' };

/** Rewrites the imported folder's challenge.yaml from the demo's, edited, and forgets the stored subject page (as a console edit does). */
async function withChallengeYaml(ctx: Ctx, edit: (doc: Record<string, unknown>) => void = () => {}) {
  const c = await ctx.handle.db.selectFrom('challenges').select(['id', 'folder']).where('slug', '=', SLUG).executeTakeFirstOrThrow();
  const doc = parseYaml(fs.readFileSync(path.join(repoRoot, 'datasets', SLUG, 'challenge.yaml'), 'utf8')) as Record<string, unknown>;
  edit(doc);
  const { stringify } = await import('yaml');
  // The row holds the storage key of the folder (challenges/<slug>): the file goes to storage.
  await ctx.storage.put(`${c.folder}/challenge.yaml`, Buffer.from(stringify(doc)));
  await clearCrowdDisplay(ctx.handle.db, c.id);
}

interface Status {
  promoted: boolean;
  correctInWindow: number;
  answeredInWindow: number;
  window: number;
  needed: number;
  classesStillNeeded: string[];
  sentence: string;
}

/** Serves the next subject and answers it right or wrong; returns the served subject's true class and the vote response. */
async function answer(ctx: Ctx, agent: Agent, csrf: string, right: boolean | ((truth: string) => boolean)) {
  const s = await serve(agent);
  assert.ok(s.subject, 'a subject is served');
  const truth = await goldClass(ctx, s.subject.id);
  const isRight = typeof right === 'function' ? right(truth ?? '') : right;
  const given = truth && isRight ? truth : truth === 'AGN' ? 'Star' : 'AGN';
  const res = await vote(agent, csrf, s.token, given).expect(201);
  return { served: s, truth, res: res.body as { vote: { feedback: null | { trueClass: string; correct: boolean; supporting: string[]; misleading: string[]; generic: string | null } }; training?: Status } };
}

describe('crowd training: cited clues, stratified gold, earned promotion', function () {
  this.timeout(60_000);
  let ctx: Ctx;
  before(async () => {
    ctx = await crowdContext({ promotion: GATE, trainingChances: [0] });
    await withChallengeYaml(ctx);
  });
  after(async () => ctx?.close());

  it("cites this subject's own value and range for its true class, and what pointed to a wrong answer", async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'clues@example.org');
    // A Star with a measured distance: the distance rule cites it; answered AGN, the AGN rules that matched are the misleading ones.
    for (let i = 0; i < 40; i++) {
      const s = await serve(agent);
      const dist = s.subject!.features.dist;
      if ((await goldClass(ctx, s.subject!.id)) !== 'Star' || typeof dist !== 'number' || dist <= 0) {
        await vote(agent, csrf, s.token, 'AGN').expect(201);
        continue;
      }
      const fxfo = s.subject!.features['F_x/F_o'];
      const res = await vote(agent, csrf, s.token, 'AGN').expect(201);
      const f = res.body.vote.feedback;
      assert.equal(f.trueClass, 'Star');
      assert.ok(f.supporting.includes(`dist is ${plainNumber(dist)} pc: a measured distance: a nearby object in our Galaxy`), f.supporting.join(' | '));
      const agnRatio = typeof fxfo === 'number' && fxfo > 0 && Math.abs(Math.log10(fxfo)) <= 1;
      assert.equal(f.misleading.some((m: string) => m.startsWith(`logFxFo is ${plainNumber(Math.log10(fxfo as number))}, between −1 and 1`)), agnRatio);
      assert.equal(f.generic, null);
      return;
    }
    assert.fail('no gold Star with a distance was served');
  });

  it('shows the subject beside the feedback on the HTML page, with the cited clues and where the volunteer stands', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'page@example.org');
    const s = await serve(agent);
    const truth = (await goldClass(ctx, s.subject!.id))!;
    const wrong = truth === 'AGN' ? 'Star' : 'AGN';
    const page = await agent.post(`/crowd/${SLUG}/votes`).type('form').send({ _csrf: csrf, token: s.token, answer: wrong }).expect(200);
    assert.match(page.text, /class="feedback-layout"/);
    assert.match(page.text, new RegExp(`data-testid="feedback-subject">\\s*<link[^>]*>\\s*<section class="subject"[^>]*data-subject="${s.subject!.id}"`));
    assert.doesNotMatch(page.text, /<details>/, 'the subject is not folded away');
    assert.match(page.text, new RegExp(`The right answer is <strong data-testid="true-class">${truth}</strong>`));
    assert.match(page.text, /data-testid="supporting"|data-testid="generic"/);
    assert.match(page.text, /data-testid="training-status"[\s\S]*Training: 0 of your last 1 answer right/);
    // The classes still needed are named as the buttons name them: the volunteer sees no button called Other.
    const stillNeeded = CLASSES.map((c) => SHOWN[c]).join(', ').replace(/, ([^,]*)$/, ' and $1');
    assert.match(page.text, new RegExp(`each of the classes ${stillNeeded.replace(/[()]/g, '\\$&')} before live subjects`));
    assert.match(page.text, new RegExp(`href="/crowd/${SLUG}/tutorial"`));
    const next = await agent.get(`/crowd/${SLUG}/classify?tutorial=seen`).expect(200);
    assert.match(next.text, new RegExp(`data-testid="training-status"[\\s\\S]*each of the classes ${stillNeeded.replace(/[()]/g, '\\$&')} before live subjects`));
  });

  it("a new volunteer's first gold serves cover every class", async () => {
    for (const email of ['strat1@example.org', 'strat2@example.org', 'strat3@example.org']) {
      const { agent, csrf } = await signedInAgent(ctx.app, email);
      const seen: string[] = [];
      for (let i = 0; i < CLASSES.length; i++) {
        const { served, truth } = await answer(ctx, agent, csrf, false);
        assert.equal(served.training, true);
        seen.push(truth!);
      }
      assert.deepEqual([...seen].sort(), [...CLASSES].sort(), `${email} saw ${seen.join(', ')}`);
    }
  });

  it('keeps 3 right of the last 5 in training, and 4 of 5 missing a class too; 4 of 5 with every class promotes, for good', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'three@example.org');
    let last: Status | undefined;
    for (const right of [true, false, true, false, true]) last = (await answer(ctx, agent, csrf, right)).res.training;
    assert.deepEqual([last!.promoted, last!.correctInWindow, last!.answeredInWindow, last!.needed], [false, 3, 5, 1]);
    assert.match(last!.sentence, /^Training: 3 of your last 5 answers right; you still need 1 more right answer/);
    const next = await serve(agent);
    assert.equal(next.training, true, 'still training: gold only, though the training chance is 0');

    // Four right, each of a different class, then the fifth class wrong: 4 of 5, but that class is missing.
    const b = await signedInAgent(ctx.app, 'four@example.org');
    const answers = [];
    for (const right of [true, true, true, true, false]) answers.push(await answer(ctx, b.agent, b.csrf, right));
    const missed = answers[4].truth!;
    const status = answers[4].res.training!;
    assert.deepEqual([status.promoted, status.correctInWindow, status.classesStillNeeded], [false, 4, [missed]]);
    assert.match(status.sentence, new RegExp(`you still need a right answer in the class ${SHOWN[missed].replace(/[()]/g, '\\$&')} before live subjects`));
    // Right answers from here: once the missing class comes (stratified: within the next five), promoted.
    let promoted: Status | undefined;
    for (let i = 0; i < 6 && !promoted?.promoted; i++) {
      const a = await answer(ctx, b.agent, b.csrf, true);
      assert.equal(a.served.training, true);
      promoted = a.res.training;
    }
    assert.equal(promoted!.promoted, true);
    const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'four@example.org').executeTakeFirstOrThrow();
    const row = await ctx.handle.db.selectFrom('crowd_promotions').selectAll().where('voter', '=', `u:${user.id}`).executeTakeFirst();
    assert.ok(row?.promoted_at, 'the promotion is recorded');
    // Live subjects now (the training chance is 0)...
    const live = await serve(b.agent);
    assert.equal(live.training, false);
    await vote(b.agent, b.csrf, live.token, 'AGN').expect(201);
    // ...and promoted for good: five wrong gold answers later (chance 1) the volunteer is still promoted.
    await setChances(ctx, [1]);
    try {
      for (let i = 0; i < 5; i++) assert.equal((await answer(ctx, b.agent, b.csrf, false)).res.training!.promoted, true);
    } finally {
      await setChances(ctx, [0]);
    }
    assert.equal((await serve(b.agent)).training, false);
  });

  it('holds anonymous voters to the same rule by their cookie', async () => {
    const agent = request.agent(ctx.app);
    const csrf = csrfFrom((await agent.get('/login').expect(200)).text);
    const first = await answer(ctx, agent, csrf, true);
    assert.equal(first.served.training, true);
    let status: Status | undefined;
    for (let i = 0; i < 4; i++) status = (await answer(ctx, agent, csrf, true)).res.training;
    assert.equal(status!.promoted, true, 'five right, one per class');
    const promotions = await ctx.handle.db.selectFrom('crowd_promotions').select('voter').where('voter', 'like', 'a:%').execute();
    assert.equal(promotions.length, 1);
    assert.equal((await serve(agent)).training, false);
  });

  it('serves live subjects to a volunteer still in training once no gold is left to them', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'never@example.org');
    const gold = await ctx.handle.db.selectFrom('crowd_subjects').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 1).executeTakeFirstOrThrow();
    for (let i = 0; i < Number(gold.n); i++) assert.equal((await answer(ctx, agent, csrf, false)).served.training, true);
    const s = await serve(agent);
    assert.equal(s.training, false);
    assert.equal((await vote(agent, csrf, s.token, 'AGN').expect(201)).body.vote.feedback, null);
  });

  it('lets organizers set the rule, with a 400 naming each bad value', async () => {
    const org = await organizerAgent(ctx);
    const manage = await org.agent.get(`/crowd/${SLUG}/manage`).expect(200);
    assert.match(manage.text, /name="promoteCorrect"[^>]*value="4"/);
    assert.match(manage.text, /name="promoteWindow"[^>]*value="5"/);
    const post = (body: Record<string, string>) => org.agent.post(`/crowd/${SLUG}/settings`).set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send(body);
    const bad = await post({ promoteCorrect: '0', promoteWindow: '0' }).expect(400);
    assert.deepEqual([...bad.body.error.problems].sort(), ['promotion: correct answers: at least 1', 'promotion: last gold answers: at least 1']);
    const over = await post({ promoteCorrect: '6' }).expect(400);
    assert.deepEqual(over.body.error.problems, ['promotion: correct answers (6) must not exceed the last gold answers counted (5)']);
    await post({ promoteCorrect: '2', promoteWindow: '3', promoteEachClass: '0' }).expect(200);
    const wf = await ctx.handle.db.selectFrom('crowd_workflows').select(['promote_correct', 'promote_window', 'promote_each_class']).where('id', '=', ctx.workflowId).executeTakeFirstOrThrow();
    assert.deepEqual(wf, { promote_correct: 2, promote_window: 3, promote_each_class: 0 });
    await post({ promoteCorrect: '4', promoteWindow: '5', promoteEachClass: '1' }).expect(200);
  });
});

describe('crowd training: the first-visit tutorial', function () {
  this.timeout(60_000);
  let ctx: Ctx;
  before(async () => {
    ctx = await crowdContext({ promotion: GATE });
  });
  after(async () => ctx?.close());

  it('sends a signed-in volunteer to the tutorial on the first visit only, and keeps it reachable', async () => {
    await withChallengeYaml(ctx, (doc) => delete (doc.crowd as Record<string, unknown>).tutorial);
    const { agent } = await signedInAgent(ctx.app, 'new@example.org');
    await agent.get(`/crowd/${SLUG}/classify`).expect(303).expect('Location', `/crowd/${SLUG}/tutorial`);
    const tutorial = await agent.get(`/crowd/${SLUG}/tutorial`).expect(200);
    assert.match(tutorial.text, /data-testid="tutorial"/);
    assert.match(tutorial.text, new RegExp(`href="/crowd/${SLUG}/classify\\?tutorial=seen"`));
    // Without a tutorial: in the crowd: section, the default speaks of the classes and of training.
    assert.match(tutorial.text, /<h2>The classes<\/h2>/);
    assert.match(tutorial.text, /Once 4 of your last 5 training answers are right, with at least one right in every class/);
    const page = await agent.get(`/crowd/${SLUG}/classify`).expect(200);
    assert.match(page.text, /data-testid="answers"/);
    await agent.get(`/crowd/${SLUG}/tutorial`).expect(200);
    await agent.get(`/crowd/${SLUG}/classify`).expect(200);
    // Machines asking for JSON are never redirected.
    const other = await signedInAgent(ctx.app, 'api@example.org');
    await other.agent.get(`/crowd/${SLUG}/classify`).set('Accept', 'application/json').expect(200);
  });

  it('remembers anonymous visitors by a cookie, and does not send back a volunteer who has already classified', async () => {
    const anon = request.agent(ctx.app);
    await anon.get(`/crowd/${SLUG}/classify`).expect(303);
    await anon.get(`/crowd/${SLUG}/tutorial`).expect(200);
    await anon.get(`/crowd/${SLUG}/classify`).expect(200);
    // Another browser has not seen it; the tutorial's own link lets a browser without cookies through.
    await request(ctx.app).get(`/crowd/${SLUG}/classify`).expect(303);
    await request(ctx.app).get(`/crowd/${SLUG}/classify?tutorial=seen`).expect(200);
    // A volunteer from before the tutorial existed (votes, no record of it) is not sent back to the start.
    const { agent, csrf } = await signedInAgent(ctx.app, 'veteran@example.org');
    const s = await serve(agent);
    await vote(agent, csrf, s.token, 'AGN').expect(201);
    await agent.get(`/crowd/${SLUG}/classify`).expect(200);
  });

  it("shows the steps of the challenge.yaml's tutorial, then training by the workflow's rule", async () => {
    await withChallengeYaml(ctx, (doc) => {
      (doc.crowd as Record<string, unknown>).tutorial = [
        { title: 'Look at the spectrum first', text: 'It tells hard from soft.\n\nThen the sky map.' },
        { title: 'Then the counterpart', text: 'Stars are bright in visible light.' },
      ];
    });
    const res = await request(ctx.app).get(`/crowd/${SLUG}/tutorial`).expect(200);
    const titles = [...res.text.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]);
    assert.deepEqual(titles, ['Look at the spectrum first', 'Then the counterpart', 'How training works']);
    assert.match(res.text, /<p>It tells hard from soft.<\/p>\s*<p>Then the sky map.<\/p>/);
    const json = await request(ctx.app).get(`/crowd/${SLUG}/tutorial`).set('Accept', 'application/json').expect(200);
    assert.equal(json.body.steps.length, 3);
    await request(ctx.app).get('/crowd/no-such-thing/tutorial').expect(404);
  });
});

describe('crowd training: a simulated crowd under the default gate', function () {
  this.timeout(120_000);
  let ctx: Ctx;
  before(async () => {
    ctx = await crowdContext({ promotion: GATE, maxLive: 30, goldPerClass: 6, retirement: 'fixed', retireCount: 3 });
  });
  after(async () => ctx?.close());

  it('still reaches live subjects and a consensus on them; spammers are not promoted', async () => {
    const s = await simulateCrowdVotes(ctx.handle, ctx.storage, SLUG, { volunteers: 30, votes: 800, profile: 'mixed', seed: 7, days: 3, consensus: false }, loadCrowdConfig({}));
    await runConsensus(ctx.handle, ctx.workflowId);
    const profiles = new Map((await simulatedUsers(ctx.handle.db, SLUG)).map((u) => [`u:${u.id}`, u.simulated]));
    const promoted = (await ctx.handle.db.selectFrom('crowd_promotions').select('voter').where('workflow_id', '=', ctx.workflowId).execute()).map((p) => profiles.get(p.voter));
    const count = (profile: string) => promoted.filter((p) => p === profile).length;
    const share = (...p: Array<'expert' | 'skilled' | 'spammer'>) => p.reduce((n, x) => n + count(x), 0) / p.reduce((n, x) => n + (s.byProfile[x]?.volunteers ?? 0), 0);
    const summary = `promoted: ${promoted.join(', ')}; live votes ${s.votes - s.goldVotes} of ${s.votes}`;
    // Spammers rarely earn live subjects (one answering at random may get lucky); good volunteers mostly do.
    assert.ok(share('expert', 'skilled') >= 0.5, summary);
    assert.ok(share('spammer') < share('expert', 'skilled') / 2, summary);
    // The 30 live subjects retire after 3 votes each: the crowd reaches most of them.
    const retired = await ctx.handle.db.selectFrom('crowd_subjects').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).where('retired_at', 'is not', null).executeTakeFirstOrThrow();
    assert.ok(Number(retired.n) >= 20, `${retired.n} live subjects retired; ${summary}`);
    const consensus = await ctx.handle.db.selectFrom('crowd_consensus as c').innerJoin('crowd_subjects as s', 's.id', 'c.subject_id').select((eb) => eb.fn.countAll<number>().as('n')).where('c.workflow_id', '=', ctx.workflowId).where('s.is_gold', '=', 0).executeTakeFirstOrThrow();
    assert.ok(Number(consensus.n) > 0, 'a consensus on live subjects');
    // Removing the simulated crowd removes its promotions too.
    await deleteSimulatedCrowd(ctx.handle, SLUG);
    assert.equal((await ctx.handle.db.selectFrom('crowd_promotions').select('voter').where('workflow_id', '=', ctx.workflowId).execute()).length, 0);
  });
});
