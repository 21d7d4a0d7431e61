import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { JSON_, rowsOf } from './organizer-helpers.js';

/** At close the public board's freeze ends: board, export and the submitter's page tell the same story. */
describe('the public board after a freeze and the close', function () {
  let ctx: TestContext;
  let admin: Awaited<ReturnType<typeof signedInAgent>>;
  let pat: Awaited<ReturnType<typeof signedInAgent>>;

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'] });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // first account: admin, organizes every challenge
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
  });
  after(async () => ctx.close());

  const submit = async (file: Buffer, name: string) => {
    const id = (await pat.agent.post(`/challenges/xray-sources/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', file, name).expect(202)).body.submission.id as number;
    const row = await waitForTerminal(ctx.handle, id);
    assert.equal(row.status, 'scored', row.error ?? '');
    return row;
  };

  it('shows every submission once closed: the board, its export and the submitter agree', async () => {
    const first = await submit(fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz')), 'sample.csv.gz');
    await admin.agent.post('/organize/xray-sources/freeze').set('Accept', JSON_).send({ _csrf: admin.csrf, confirm: 1 }).expect(200);
    await new Promise((r) => setTimeout(r, 5));
    const truth = rowsOf(datasetFile('xray-sources', 'solution.csv.gz'));
    const better = await submit(Buffer.from(truth.map((r) => `${r[0]},${r[1]}`).join('\n') + '\n'), 'truth.csv');
    assert.ok(better.public_score! > first.public_score!);
    const frozen = await request(ctx.app).get('/challenges/xray-sources/leaderboard').set('Accept', JSON_).expect(200);
    assert.equal(frozen.body.rows[0].submissionId, first.id, 'while frozen, the board shows the pre-freeze entry');

    await admin.agent.post('/organize/xray-sources/close').set('Accept', JSON_).send({ _csrf: admin.csrf, confirm: 1, slug: 'xray-sources' }).expect(200);

    const board = await request(ctx.app).get('/challenges/xray-sources/leaderboard').set('Accept', JSON_).expect(200);
    assert.equal(board.body.frozenAt, null);
    assert.deepEqual(board.body.rows.map((r: { submissionId: number; score: number }) => [r.submissionId, r.score]), [[better.id, better.public_score]]);
    const html = (await request(ctx.app).get('/challenges/xray-sources/leaderboard').expect(200)).text;
    assert.doesNotMatch(html, /data-testid="frozen"/);
    const api = await request(ctx.app).get('/api/v1/challenges/xray-sources/leaderboard').expect(200);
    assert.deepEqual(api.body.rows, board.body.rows);

    const exported = JSON.parse((await admin.agent.get('/organize/xray-sources/export/leaderboard.json?board=public').expect(200)).text);
    assert.deepEqual(exported.rows.map((r: { submission_id: number; score: number }) => [r.submission_id, r.score]), [[better.id, better.public_score]]);

    const mine = await pat.agent.get('/challenges/xray-sources/submissions').set('Accept', JSON_).expect(200);
    const best = mine.body.submissions.find((s: { id: number }) => s.id === better.id);
    assert.deepEqual([best.publicHidden, best.publicScore], [false, better.public_score]);
  });

  it('says on the organizer console that the freeze ends at the close', async () => {
    const fresh = await createTestContext({ challenges: ['xray-sources'] });
    try {
      const boss = await signedInAgent(fresh.app, 'admin@example.org', 'Admin');
      const page = (await boss.agent.get('/organize/xray-sources').expect(200)).text;
      assert.match(page, /data-testid="freeze-note"[^>]*>[^<]*ends when the challenge closes/);
    } finally {
      await fresh.close();
    }
  });
});
