import assert from 'node:assert/strict';
import { trainingState } from './training-state.js';
import { STALE_RUN_MS, type BaselineRun, type RunProgress } from './service.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const run = (status: BaselineRun['status'], progress: Partial<RunProgress>, extra: Partial<BaselineRun> = {}): BaselineRun => ({
  id: 3, challenge_id: 1, status, started_by: null, backend: null, seed: 42, record_json: null, validation_score: null, submission_id: null, error: null,
  progress_json: JSON.stringify({ phase: 'starting', model: 0, models: 0, epoch: 0, maxEpochs: 0, history: [], ...progress }),
  started_at: new Date(NOW - 60_000).toISOString(), heartbeat_at: new Date(NOW - 1000).toISOString(), finished_at: null, compute_search_id: null, compute_configuration: null, ...extra,
});

describe('trainingState', () => {
  it('tells a saved model without a run from no model at all', () => {
    assert.equal(trainingState(undefined, true, NOW).kind, 'saved');
    assert.equal(trainingState(undefined, false, NOW).text, 'No baseline has been trained for this challenge yet.');
  });

  it('says "starting…" for a run that has not begun its first model, never "model 0 of 0", and is busy', () => {
    for (const progress of [{}, { phase: 'training' as const }]) {
      const s = trainingState(run('running', progress), true, NOW);
      assert.equal(s.kind, 'starting');
      assert.equal(s.busy, true);
      assert.match(s.text, /starting…/);
      assert.doesNotMatch(s.text, /model 0|of at most 0/);
    }
  });

  it('counts models from 1 and shows the epochs done over the most there can be', () => {
    const s = trainingState(run('running', { phase: 'training', model: 2, models: 5, epoch: 0, maxEpochs: 60 }), true, NOW);
    assert.match(s.text, /training model 3 of 5, first epoch under way \(at most 60\)/);
    assert.deepEqual(s.progress, { value: 120, max: 300 });
    assert.equal(s.busy, true);
  });

  it('opens Retrain again for a run whose heartbeat stopped, as the next start will fail it', () => {
    const s = trainingState(run('running', { phase: 'training', models: 5 }, { heartbeat_at: new Date(NOW - STALE_RUN_MS - 1).toISOString() }), true, NOW);
    assert.equal(s.kind, 'stalled');
    assert.equal(s.busy, false);
  });

  it('reports a failure with its reason, and a finished run whose submission failed', () => {
    assert.match(trainingState(run('failed', {}, { error: 'out of memory' }), false, NOW).text, /failed: out of memory/);
    assert.match(trainingState(run('done', {}, { error: 'scoring refused' }), true, NOW).text, /Submitting it failed: scoring refused/);
  });
});
