import assert from 'node:assert/strict';
import { pinnedLines } from './pinned-rows.js';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ rank: i + 1 }));

describe('a long ranking with the viewer pinned', () => {
  it('shows a short ranking whole, the viewer marked', () => {
    const lines = pinnedLines(rows(5), (r) => r.rank === 3, { top: 25 });
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.map((l) => ('mine' in l ? l.mine : null)), [false, false, true, false, false]);
  });

  it('cuts a long ranking to the top rows, a gap and the viewer pinned last', () => {
    const lines = pinnedLines(rows(40), (r) => r.rank === 33, { top: 25 });
    assert.equal(lines.length, 27);
    assert.deepEqual(lines[25], { gap: 14, total: 40 });
    assert.deepEqual(lines[26], { rank: 33, mine: true, pinned: true });
  });

  it('adds no pinned row when the viewer is in the top rows or not ranked, and counts the gap accordingly', () => {
    assert.deepEqual(pinnedLines(rows(40), (r) => r.rank === 2, { top: 25 })[25], { gap: 15, total: 40 });
    const unranked = pinnedLines(rows(40), () => false, { top: 25 });
    assert.equal(unranked.length, 26);
    assert.deepEqual(unranked[25], { gap: 15, total: 40 });
  });

  it('shows every row on request, the viewer pinned where they are', () => {
    const all = pinnedLines(rows(40), (r) => r.rank === 33, { top: 25, showAll: true });
    assert.equal(all.length, 40);
    assert.deepEqual(all[32], { rank: 33, mine: true, pinned: true });
  });
});
