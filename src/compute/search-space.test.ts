import assert from 'node:assert/strict';
import { parseBaselineSpec } from '../baseline/spec.js';
import { configurations, estimateFlops, parseSearchSpace } from './search-space.js';

describe('volunteer-computing search space', () => {
  const model = parseBaselineSpec({ model: { hidden: [128, 64, 32], dropout: 0.3 } }).model;

  it('is the grid of the listed values, the model default first, other keys from the model section', () => {
    const space = parseSearchSpace({ hidden: [[64, 32], [128, 64, 32]], dropout: [0.2, 0.3] })!;
    const configs = configurations(space, model);
    assert.equal(configs.length, 4);
    assert.deepEqual(configs[0], model);
    assert.deepEqual(new Set(configs.map((c) => `${c.hidden.join('-')}/${c.dropout}`)), new Set(['64-32/0.2', '64-32/0.3', '128-64-32/0.2', '128-64-32/0.3']));
    assert.ok(configs.every((c) => c.learning_rate === model.learning_rate && c.folds === model.folds));
  });

  it('samples a large grid down to max_configurations, reproducibly', () => {
    const space = parseSearchSpace({ dropout: [0, 0.1, 0.2, 0.3, 0.4], learning_rate: [1e-4, 3e-4, 1e-3, 3e-3], max_configurations: 6 })!;
    const a = configurations(space, model);
    assert.equal(a.length, 6);
    assert.equal(new Set(a.map((c) => JSON.stringify(c))).size, 6);
    assert.deepEqual(a, configurations(space, model));
  });

  it('refuses a bad section, naming the field; none is null', () => {
    assert.throws(() => parseSearchSpace({ dropout: [1.5] }), /search\.dropout\.0/);
    assert.throws(() => parseSearchSpace({ depth: [2] }), /search\.: Unrecognized key/);
    assert.equal(parseSearchSpace(undefined), null);
  });

  it('estimates FLOPs from the layer sizes, rows and epochs', () => {
    const m = { ...model, hidden: [10], max_epochs: 2 };
    // forward per row: 2·(4·10 + 10·1) = 100; training 3·100·50 rows·2 epochs; prediction 100·25 rows.
    assert.equal(estimateFlops(m, 4, 1, 50, 25), 30_000 + 2_500);
  });
});
