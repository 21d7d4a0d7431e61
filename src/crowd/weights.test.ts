import assert from 'node:assert/strict';
import { passesFastShare, voteWeight } from './weights.js';

describe('vote weights', () => {
  it('a fast vote weighs nothing until restored; every vote of a held volunteer weighs nothing', () => {
    assert.equal(voteWeight({ flagged: false, restored: false, held: false }), 1);
    assert.equal(voteWeight({ flagged: true, restored: false, held: false }), 0);
    assert.equal(voteWeight({ flagged: true, restored: true, held: false }), 1);
    assert.equal(voteWeight({ flagged: false, restored: false, held: true }), 0);
    assert.equal(voteWeight({ flagged: true, restored: true, held: true }), 0);
  });

  it('holds a volunteer once more than the share of their votes was fast, after the minimum number of votes', () => {
    const rule = { fastShare: 0.3, fastMinVotes: 10 };
    assert.equal(passesFastShare(9, 9, rule), false, 'too few votes to judge');
    assert.equal(passesFastShare(10, 3, rule), false, 'exactly the share is not past it');
    assert.equal(passesFastShare(10, 4, rule), true);
    assert.equal(passesFastShare(100, 30, rule), false);
    assert.equal(passesFastShare(100, 31, rule), true);
  });
});
