import assert from 'node:assert/strict';
import { folderKeyOf } from './0020_storage_keys.js';

describe('migration 0020: challenge folders become storage keys', () => {
  it('turns the absolute path of an imported or drafted folder into challenges/<slug>', () => {
    assert.equal(folderKeyOf('/srv/sift/data/challenges/higgsml'), 'challenges/higgsml');
    assert.equal(folderKeyOf('/tmp/sift-test-x/challenges/xmm-sources/'), 'challenges/xmm-sources');
    assert.equal(folderKeyOf('C:\\sift\\data\\challenges\\demo'), 'challenges/demo');
  });

  it('leaves a key as it is, and refuses a folder outside any challenges/ folder', () => {
    assert.equal(folderKeyOf('challenges/higgsml'), 'challenges/higgsml');
    assert.throws(() => folderKeyOf('/home/me/datasets/higgsml'), /is not …\/challenges\/<slug>/);
  });
});
