import assert from 'node:assert/strict';
import { table, wrapText } from './format.js';

describe('sift client: tables', () => {
  it('wraps text by words within the width, cutting only a word longer than a line', () => {
    assert.deepEqual(wrapText('the quick brown fox jumps', 10), ['the quick', 'brown fox', 'jumps']);
    assert.deepEqual(wrapText('abcdefghijkl xy', 5), ['abcde', 'fghij', 'kl xy']);
    assert.deepEqual(wrapText('', 5), ['']);
  });

  it('shows a long problem text whole, wrapped under its column, and keeps the other columns aligned', () => {
    const message = 'RankOrder must be a permutation of 1..550000: the value 7 appears twice (lines 3 and 9); every event needs a distinct rank, 1 for the most signal-like.';
    const text = table(['Line', 'Column', 'Value', 'Problem'], [[3, 'RankOrder', '7', message], [4, 'Class', 'S', 'unknown class "S"']], { wrapLastTo: 60 });
    const lines = text.split('\n');
    assert.ok(lines.every((l) => l.length <= 60), text);
    const problemStart = lines[0].indexOf('Problem');
    const continued = lines.slice(2).filter((l) => l.slice(0, problemStart).trim() === '');
    assert.ok(continued.length >= 2, text);
    const wrapped = lines.slice(2, 2 + 1 + continued.length).map((l) => l.slice(problemStart)).join(' ');
    assert.equal(wrapped, message, 'nothing cut, nothing added');
    assert.doesNotMatch(text, /…/);
    assert.match(lines.at(-1)!, /^4\s+Class\s+S\s+unknown class "S"$/);
  });
});
