import assert from 'node:assert/strict';
import { metricHumanName } from './metric-names.js';
import { METRICS } from './definition.js';

describe('metricHumanName', () => {
  it('names every metric a challenge can declare as people write it', () => {
    assert.deepEqual(
      METRICS.map(metricHumanName),
      ['AMS', 'accuracy', 'macro-F1', 'log loss', 'ROC AUC'],
    );
  });

  it('passes an unknown name through, with underscores as spaces', () => {
    assert.equal(metricHumanName('mean_squared_error'), 'mean squared error');
  });
});
