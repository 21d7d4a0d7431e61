import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { repoRoot } from '../src/paths.js';
import { importChallengeFolder } from '../src/challenges/service.js';
import { createTestContext, datasetFile, signedInAgent, TEST_DB, testS3StorageUrl, waitForTerminal, type TestContext } from './helpers.js';

/**
 * The point of the storage seam (issue 13 §4): a web process and a worker on different machines,
 * each with its own DATA_DIR, sharing only the database and an S3 bucket (s3rver here). One machine
 * imports and takes the upload, the other scores it, and both serve the board and the downloads.
 */
describe('two machines sharing one database and one bucket', function () {
  this.timeout(120_000);
  let web: TestContext;
  let worker: TestContext;

  before(async function () {
    // Two contexts share a database through PostgreSQL only (SQLite is a file in one DATA_DIR).
    if (TEST_DB !== 'postgres') this.skip();
    web = await createTestContext({ workers: 0, configOverrides: { STORAGE_URL: await testS3StorageUrl() } });
    worker = await createTestContext({ peer: web, workers: 1 });
  });
  after(async () => {
    await worker?.close();
    await web?.close();
  });

  it('imports on one machine, takes the upload there, scores it on the other, and serves board and files from both', async () => {
    assert.notEqual(web.config.dataDir, worker.config.dataDir);
    const c = await importChallengeFolder(web.handle.db, web.storage, path.join(repoRoot, 'datasets', 'xray-sources'));
    assert.equal(c.folder_key, 'challenges/xray-sources');
    // The challenge's files are in the bucket, not in either machine's DATA_DIR.
    assert.deepEqual((await worker.storage.list('challenges/xray-sources/')).map((o) => o.key.split('/').pop()).sort(), [
      'challenge.yaml',
      'sample_submission.csv.gz',
      'solution.csv.gz',
      'test.csv.gz',
      'train.csv.gz',
    ]);
    for (const ctx of [web, worker]) assert.ok(!fs.existsSync(path.join(ctx.config.dataDir, 'challenges')), 'no challenge folder under DATA_DIR');

    const { agent, csrf } = await signedInAgent(web.app, 'vera@example.org', 'Vera');
    const sample = fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'));
    const res = await agent.post(`/challenges/xray-sources/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 'sample.csv.gz').expect(202);
    // The web machine has no scoring worker: the other machine's worker thread scores it, from the bucket.
    const row = await waitForTerminal(web.handle, res.body.submission.id, 60_000);
    assert.equal(row.status, 'scored', row.error ?? '');
    assert.equal(row.file_path, `submissions/${c.id}/${row.sha256}.csv.gz`);
    assert.ok((await worker.storage.stat(row.file_path))?.size === sample.length, 'the accepted file is in the bucket');
    assert.ok(fs.existsSync(path.join(worker.config.dataDir, 'storage-cache', 'challenges', 'xray-sources', 'solution.csv.gz')), "the worker read the solution from its own machine's copy");

    for (const ctx of [web, worker]) {
      const board = await request(ctx.app).get('/challenges/xray-sources/leaderboard').set('Accept', 'application/json').expect(200);
      assert.ok(JSON.stringify(board.body).includes(String(row.public_score)), `the board of ${ctx === web ? 'web' : 'worker'} shows the score`);
      const train = await request(ctx.app).get('/challenges/xray-sources/data/train.csv.gz').buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      }).expect(200);
      assert.ok((train.body as Buffer).equals(fs.readFileSync(datasetFile('xray-sources', 'train.csv.gz'))), 'the download is the training file');
      await request(ctx.app).get('/challenges/xray-sources/data/solution.csv.gz').expect(404);
    }
    const mine = await agent.get(`/challenges/xray-sources/submissions/${row.id}`).expect(200);
    assert.match(mine.text, /Confusion matrix/);
  });
});
