import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import S3rver from 's3rver';
import { openStorage, StorageNotFoundError, type ObjectStorage } from './index.js';
import { LazyS3Storage } from './lazy-s3.js';
import { assertKey } from './storage.js';
import { challengeFileKey, submissionFileKey } from './keys.js';

/** The same contract, run against local disk and against a server that speaks the S3 protocol (s3rver). */
function contract(name: string, open: () => Promise<{ storage: ObjectStorage; close: () => Promise<void> }>) {
  describe(`storage contract: ${name}`, function () {
    this.timeout(30_000);
    let storage: ObjectStorage;
    let close: () => Promise<void>;
    before(async () => ({ storage, close } = await open()));
    after(async () => close());

    it('puts a buffer and a stream, and gets the same bytes back with their size', async () => {
      assert.deepEqual(await storage.put('challenges/demo/train.csv', Buffer.from('a,b\n1,2\n')), { key: 'challenges/demo/train.csv', size: 8 });
      const big = Buffer.alloc(6 * 1024 * 1024 + 5, 'x'); // above the 5 MB multipart threshold of S3 uploads
      assert.equal((await storage.put('submissions/1/big.csv', Readable.from([big.subarray(0, 1000), big.subarray(1000)]))).size, big.length);
      assert.equal(await text(await storage.get('challenges/demo/train.csv')), 'a,b\n1,2\n');
      const back = Buffer.concat(await (await storage.get('submissions/1/big.csv')).toArray());
      assert.ok(back.equals(big));
    });

    it('replaces an object on a second put', async () => {
      await storage.put('challenges/demo/test.csv', Buffer.from('old'));
      await storage.put('challenges/demo/test.csv', Buffer.from('new!'));
      assert.equal(await text(await storage.get('challenges/demo/test.csv')), 'new!');
      assert.deepEqual(await storage.stat('challenges/demo/test.csv'), { key: 'challenges/demo/test.csv', size: 4 });
    });

    it('says a missing object is missing: null from stat, StorageNotFoundError from get and move, nothing from remove', async () => {
      assert.equal(await storage.stat('challenges/demo/none.csv'), null);
      await assert.rejects(storage.get('challenges/demo/none.csv'), (err) => err instanceof StorageNotFoundError && err.key === 'challenges/demo/none.csv');
      await assert.rejects(storage.move('challenges/demo/none.csv', 'challenges/demo/other.csv'), StorageNotFoundError);
      await storage.remove('challenges/demo/none.csv');
    });

    it('moves an object to a new key, leaving nothing at the old one', async () => {
      await storage.put('uploads/tmp-1', Buffer.from('upload'));
      await storage.move('uploads/tmp-1', 'submissions/2/abc.csv');
      assert.equal(await storage.stat('uploads/tmp-1'), null);
      assert.equal(await text(await storage.get('submissions/2/abc.csv')), 'upload');
    });

    it('lists by prefix, sorted, with sizes, and removes', async () => {
      await storage.put('baselines/demo/model.json', Buffer.from('{}'));
      await storage.put('baselines/demo-two/model.json', Buffer.from('{"a":1}'));
      assert.deepEqual(await storage.list('baselines/demo/'), [{ key: 'baselines/demo/model.json', size: 2 }]);
      assert.deepEqual((await storage.list('baselines/demo')).map((o) => o.key), ['baselines/demo-two/model.json', 'baselines/demo/model.json']);
      assert.deepEqual((await storage.list('challenges/')).map((o) => o.key), ['challenges/demo/test.csv', 'challenges/demo/train.csv']);
      assert.deepEqual(await storage.list('nothing/here/'), []);
      await storage.remove('baselines/demo/model.json');
      assert.deepEqual(await storage.list('baselines/demo/'), []);
    });

    it('takes a local file into storage with putFile', async () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sift-put-')), 'upload.csv');
      fs.writeFileSync(file, 'id,p\n1,0.5\n');
      assert.deepEqual(await storage.putFile('submissions/3/abc.csv', file), { key: 'submissions/3/abc.csv', size: 11 });
      assert.equal(fs.existsSync(file), false);
      assert.equal(await text(await storage.get('submissions/3/abc.csv')), 'id,p\n1,0.5\n');
    });

    it('gives readers local files that follow the stored objects: localPath and localDir', async () => {
      await storage.put('challenges/local/train.csv', Buffer.from('v1'));
      await storage.put('challenges/local/sub/guide.md', Buffer.from('# guide'));
      const file = await storage.localPath('challenges/local/train.csv');
      assert.equal(fs.readFileSync(file, 'utf8'), 'v1');
      await storage.put('challenges/local/train.csv', Buffer.from('version 2'));
      assert.equal(fs.readFileSync(await storage.localPath('challenges/local/train.csv'), 'utf8'), 'version 2');
      await assert.rejects(storage.localPath('challenges/local/none.csv'), StorageNotFoundError);

      const dir = await storage.localDir('challenges/local');
      assert.equal(fs.readFileSync(path.join(dir, 'train.csv'), 'utf8'), 'version 2');
      assert.equal(fs.readFileSync(path.join(dir, 'sub', 'guide.md'), 'utf8'), '# guide');
      // A reader's derived cache beside the files stays; an object removed from storage leaves the folder.
      fs.writeFileSync(path.join(dir, 'train.csv.sift-cache'), 'x');
      await storage.remove('challenges/local/sub/guide.md');
      await storage.put('challenges/local/test.csv', Buffer.from('t'));
      const again = await storage.localDir('challenges/local');
      assert.equal(again, dir);
      assert.equal(fs.existsSync(path.join(dir, 'sub', 'guide.md')), false);
      assert.equal(fs.readFileSync(path.join(dir, 'test.csv'), 'utf8'), 't');
      assert.equal(fs.readFileSync(path.join(dir, 'train.csv.sift-cache'), 'utf8'), 'x');
    });

    it('refuses keys that could leave the storage root or mean different things on disk and in a bucket', async () => {
      for (const bad of ['', '/abs', 'a/../b', '../up', 'a//b', 'a/./b', 'back\\slash', 'space here', 'a/b/']) {
        await assert.rejects(storage.put(bad, Buffer.from('x')), /invalid storage key/, bad);
        await assert.rejects(storage.get(bad), /invalid storage key/, bad);
      }
    });
  });
}

contract('local disk', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-storage-'));
  return { storage: openStorage(undefined, root), close: async () => fs.rmSync(root, { recursive: true, force: true }) };
});

contract('S3 protocol (s3rver)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'sift-test' }] });
  const { port } = await server.run();
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  const storage = openStorage(`s3://sift-test/install-a?endpoint=http://127.0.0.1:${port}`, dir);
  assert.ok(storage instanceof LazyS3Storage && storage.keyPrefix === 'install-a/');
  return {
    storage,
    close: async () => {
      storage.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('storage keys and configuration', () => {
  it('builds the layout from one place', () => {
    assert.equal(submissionFileKey(7, 'ab12', true), 'submissions/7/ab12.csv.gz');
    assert.equal(challengeFileKey('higgsml', 'solution.csv.gz'), 'challenges/higgsml/solution.csv.gz');
    assert.throws(() => challengeFileKey('../etc', 'passwd'), /invalid storage key/);
    assert.equal(assertKey('a/b-c_d.e'), 'a/b-c_d.e');
  });

  it('reads STORAGE_URL: local by default or file:, s3 with a bucket, and says what is wrong otherwise', () => {
    assert.equal(openStorage(undefined, '/data').kind, 'local');
    assert.equal(openStorage('file:///srv/sift', '/data').kind, 'local');
    const s3 = openStorage('s3://bucket?endpoint=http://127.0.0.1:9000', '/data') as LazyS3Storage;
    assert.deepEqual([s3.kind, s3.bucket, s3.keyPrefix], ['s3', 'bucket', '']);
    s3.close();
    assert.throws(() => openStorage('ftp://x', '/data'), /scheme must be file: or s3:/);
    assert.throws(() => openStorage('not a url', '/data'), /is not a URL/);
  });
});
