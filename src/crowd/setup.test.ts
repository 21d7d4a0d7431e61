import assert from 'node:assert/strict';
import { splitGoldAndKnown, spreadAmong } from './setup.js';

const rows = (cls: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${cls}${i}`, Class: cls }));

describe('splitGoldAndKnown', () => {
  it('takes goldPerClass + knownPerClass rows of each class, known ones spread evenly', () => {
    const train = [...rows('A', 100), ...rows('B', 100), ...rows('Z', 5)];
    const { gold, known } = splitGoldAndKnown(train, 'Class', ['A', 'B'], 6, 3);
    assert.deepEqual(known.map((r) => r.name), ['A2', 'A5', 'A8', 'B2', 'B5', 'B8']);
    assert.deepEqual(gold.filter((r) => r.Class === 'A').map((r) => r.name), ['A0', 'A1', 'A3', 'A4', 'A6', 'A7']);
    assert.equal(gold.length, 12);
  });

  it('splits a rare class in the same ratio and never repeats a row', () => {
    const { gold, known } = splitGoldAndKnown(rows('C', 7), 'Class', ['C'], 60, 30);
    assert.equal(gold.length + known.length, 7);
    assert.equal(known.length, 2);
    assert.equal(new Set([...gold, ...known].map((r) => r.name)).size, 7);
  });

  it('takes no known sources when knownPerClass is 0', () => {
    const { gold, known } = splitGoldAndKnown(rows('A', 10), 'Class', ['A'], 4, 0);
    assert.equal(known.length, 0);
    assert.equal(gold.length, 4);
  });
});

describe('spreadAmong', () => {
  it('spreads the extra items evenly through the base, keeping both orders', () => {
    assert.deepEqual(spreadAmong<number | string>([1, 2, 3, 4, 5, 6], ['a', 'b']), [1, 2, 3, 'a', 4, 5, 6, 'b']);
    assert.deepEqual(spreadAmong([1, 2], []), [1, 2]);
    assert.deepEqual(spreadAmong<string>([], ['a']), ['a']);
    assert.equal(spreadAmong<number | string>(Array.from({ length: 1264 }, (_, i) => i), Array.from({ length: 102 }, (_, i) => `k${i}`)).length, 1366);
  });
});
