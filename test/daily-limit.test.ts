import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createTestContext, datasetFile, signedInAgent, type TestContext } from './helpers.js';

describe('daily submission limit', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
    await ctx.handle.db.updateTable('challenges').set({ daily_limit: 3 }).execute();
  });
  after(async () => ctx.close());

  it('accepts exactly the limit out of parallel uploads at the boundary', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'racer@example.org');
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 's.csv.gz')),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [202, 202, 202, 429, 429, 429, 429, 429]);
    const refused = results.find((r) => r.status === 429)!;
    assert.equal(refused.body.error.code, 'daily_limit');
    assert.match(refused.body.error.message, /Daily submission limit reached \(3 per UTC day\)\. The next slot frees at \d{4}-\d\d-\d\dT00:00:00\.000Z/);

    const stored = await ctx.handle.db.selectFrom('submissions').select('id').execute();
    assert.equal(stored.length, 3);
    const page = await agent.get('/challenges/higgsml').set('Accept', 'application/json').expect(200);
    assert.equal(page.body.quota.left, 0);
    assert.equal(page.body.quota.used, 3);
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    assert.equal(page.body.quota.nextSlotAt, tomorrow.toISOString());
    const html = await agent.get('/challenges/higgsml/submit').expect(200);
    assert.match(html.text, /Submissions left today: <strong>0<\/strong> of 3/);
  });

  it('does not count rejected files against the limit', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'careful@example.org');
    await agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', Buffer.from('EventId,RankOrder,Class\n'), 'bad.csv').expect(422);
    const page = await agent.get('/challenges/higgsml').set('Accept', 'application/json').expect(200);
    assert.equal(page.body.quota.used, 0);
  });
});
