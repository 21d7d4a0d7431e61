import assert from 'node:assert/strict';
import { stackRows } from './retrain-with-crowd.js';
import type { Table } from './data.js';

const table = (header: string[], rows: string[][]): Table => ({
  header,
  rows: rows.length,
  has: (n) => header.includes(n),
  column: (n) => rows.map((r) => r[header.indexOf(n)]),
});

describe('stackRows (the retraining tables)', () => {
  it('takes the chosen rows of each part in order, overrides columns per part, and leaves columns a part lacks empty', () => {
    const train = table(['id', 'x', 'class'], [['a', '1', 'AGN'], ['b', '2', 'Star'], ['c', '3', 'XRB']]);
    const test = table(['id', 'x'], [['t1', '10'], ['t2', '20'], ['t3', '30']]);
    const t = stackRows(train.header, [{ table: train, rows: [2, 0] }, { table: test, rows: [1, 2], set: { class: ['CV', 'AGN'] } }]);
    assert.equal(t.rows, 4);
    assert.deepEqual(t.column('id'), ['c', 'a', 't2', 't3']);
    assert.deepEqual(t.column('x'), ['3', '1', '20', '30']);
    assert.deepEqual(t.column('class'), ['XRB', 'AGN', 'CV', 'AGN']);
    const bare = stackRows(train.header, [{ table: test, rows: [0] }]);
    assert.deepEqual(bare.column('class'), ['']);
    assert.ok(t.has('class') && !t.has('y'));
  });
});
