import assert from 'node:assert/strict';
import { CLASS_COLOURS, defaultClassButtons, defaultCrowdConfig, fisherRatio, isExcludedColumn } from './defaults.js';
import { checkCrowdConfig, parseCrowdConfig } from './schema.js';

const ids = { idColumn: 'id', targetColumn: 'y', weightColumn: null };

describe('crowd/display/defaults: defaultCrowdConfig', () => {
  // A challenge made from the web: columns x1, x2, two classes; x2 separates them, x1 does not.
  const rows = [
    { id: '1', x1: '1', x2: '0.1', y: 'a' },
    { id: '2', x1: '2', x2: '0.2', y: 'a' },
    { id: '3', x1: '1', x2: '5.1', y: 'b' },
    { id: '4', x1: '2', x2: '5.3', y: 'b' },
  ];
  const config = defaultCrowdConfig({ columns: ['id', 'x1', 'x2'], classes: ['a', 'b'], trainRows: rows, ...ids });

  it('puts every numeric feature in one group, integers as int, and no id or target', () => {
    assert.deepEqual(config.features, [{ label: 'Features', columns: [{ column: 'x1', format: 'int' }, { column: 'x2', format: 'auto' }] }]);
  });

  it('draws histograms of the features, the most separating first in rank but listed in column order', () => {
    assert.deepEqual(config.plots, [{ kind: 'histograms', columns: ['x1', 'x2'], bins: 20 }]);
    assert.ok(fisherRatio(rows, 'x2', 'y') > fisherRatio(rows, 'x1', 'y'));
  });

  it('gives each class a button with a distinct colour and keys 1..9', () => {
    assert.deepEqual(config.classes, [
      { name: 'a', colour: CLASS_COLOURS[0], key: '1' },
      { name: 'b', colour: CLASS_COLOURS[1], key: '2' },
    ]);
    const many = defaultClassButtons(Array.from({ length: 10 }, (_, i) => `c${i}`));
    assert.deepEqual(many.map((c) => c.key), ['1', '2', '3', '4', '5', '6', '7', '8', '9', undefined]);
    assert.equal(new Set(many.slice(0, 9).map((c) => c.colour)).size, 9);
  });

  it('is a valid configuration for its challenge', () => {
    const r = parseCrowdConfig(config);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.deepEqual(checkCrowdConfig(r.config, { columns: ['id', 'x1', 'x2'], classes: ['a', 'b'] }), []);
  });

  it('keeps the best HISTOGRAM_COLUMNS features by Fisher ratio, leaves out text and leaking columns', () => {
    const wide = [0, 1, 2, 3, 4, 5].map((i) => ({
      id: String(i),
      y: i < 3 ? 'a' : 'b',
      // n0 does not separate; n1..n5 separate more and more
      n0: String(i % 2),
      ...Object.fromEntries([1, 2, 3, 4, 5].map((k) => [`n${k}`, String((i < 3 ? 0 : k) + (i % 3) * 0.5)])),
      colour: i % 2 ? 'red' : 'green',
      OriginalY: 'x',
      proba_a: '0.5',
      w: '1',
    }));
    const c = defaultCrowdConfig({
      columns: ['id', 'n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'colour', 'proba_a', 'w'],
      classes: ['a', 'b'],
      trainRows: wide,
      idColumn: 'id',
      targetColumn: 'y',
      weightColumn: 'w',
    });
    assert.deepEqual(c.features[0].columns.map((f) => f.column), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    assert.deepEqual(c.plots, [{ kind: 'histograms', columns: ['n2', 'n3', 'n4', 'n5'], bins: 20 }]);
  });

  it('treats configured missing values as absent when telling integers and ranking', () => {
    const c = defaultCrowdConfig({
      columns: ['id', 'm'],
      classes: ['a', 'b'],
      trainRows: [{ id: '1', m: '-999', y: 'a' }, { id: '2', m: '1.5', y: 'b' }, { id: '3', m: '', y: 'a' }],
      missingValues: [-999],
      ...ids,
    });
    assert.deepEqual(c.features[0].columns, [{ column: 'm', format: 'auto' }]);
    assert.deepEqual(c.missing_values, [-999]);
  });

  it('has no group or plot for a table without numeric features', () => {
    const c = defaultCrowdConfig({ columns: ['id', 'note'], classes: ['a', 'b'], trainRows: [{ id: '1', note: 'hello', y: 'a' }], ...ids });
    assert.deepEqual(c.features, []);
    assert.deepEqual(c.plots, []);
  });

  it('recognises leaking and non-feature columns', () => {
    const cols = { idColumn: 'name', targetColumn: 'Class', weightColumn: 'Weight' };
    for (const c of ['name', 'Class', 'Weight', 'Usage', 'OriginalClass', 'label', 'proba_AGN', 'target']) assert.ok(isExcludedColumn(c, cols), c);
    for (const c of ['ra', 'F1', 'Gmag', 'classic_ratio_x']) assert.equal(isExcludedColumn(c, { ...cols, targetColumn: 'Label' }), false, c);
  });
});
