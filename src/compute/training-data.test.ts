import assert from 'node:assert/strict';
import { foldsByRowId } from './training-data.js';

describe('volunteer-computing folds', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `row-${i}`);
  const classes = Uint8Array.from(ids, (_, i) => (i % 4 === 0 ? 1 : 0));

  it('are stratified: each class is dealt evenly over the folds', () => {
    const fold = foldsByRowId(ids, classes, 5, 42);
    for (const cls of [0, 1]) {
      const counts = [0, 0, 0, 0, 0];
      fold.forEach((f, i) => classes[i] === cls && counts[f]++);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${cls}: ${counts.join()}`);
    }
  });

  it('depend on the row ids and the seed, not on the rows’ order', () => {
    const fold = foldsByRowId(ids, classes, 5, 42);
    const order = ids.map((_, i) => i).reverse();
    const reversed = foldsByRowId(order.map((i) => ids[i]), Uint8Array.from(order, (i) => classes[i]), 5, 42);
    order.forEach((i, r) => assert.equal(reversed[r], fold[i]));
    assert.notDeepEqual(foldsByRowId(ids, classes, 5, 43), fold);
  });
});
