import assert from 'node:assert/strict';
import { workflowSettings } from './settings.js';
import type { Workflow } from './repo.js';
import { UserError } from '../web/errors.js';

const wf: Workflow = {
  id: 1, challengeId: 1, slug: 'x', title: 'X', classes: ['A', 'B'], clues: {}, retirement: 'fixed', retireCount: 20,
  adaptiveThreshold: 0.95, adaptiveMinVotes: 5, trainingChances: [1, 0.5, 0.1], routing: 'retirement', randomShare: 0.2, active: true,
  promoteCorrect: 4, promoteWindow: 5, promoteEachClass: true,
};

const problemsOf = (body: unknown): string[] => {
  try {
    workflowSettings(body, wf);
  } catch (err) {
    assert.ok(err instanceof UserError);
    assert.equal(err.status, 400);
    return (err.details as { problems: string[] }).problems;
  }
  assert.fail('accepted');
};

describe('crowd workflow settings form', () => {
  it('keeps the current value of every field left blank or absent', () => {
    assert.deepEqual(workflowSettings({ retireCount: '', adaptiveThreshold: '' }, wf), {
      retirement: 'fixed', retire_count: 20, adaptive_threshold: 0.95, adaptive_min_votes: 5, training_chances_json: '[1,0.5,0.1]', routing: 'retirement', random_share: 0.2, active: 1,
      promote_correct: 4, promote_window: 5, promote_each_class: 1,
    });
  });

  it('takes valid values, training chances as a comma list, and the active switch', () => {
    const set = workflowSettings({ retirement: 'adaptive', retireCount: '30', adaptiveThreshold: '0.99', adaptiveMinVotes: '3', trainingChances: '1, 1, 0.2', routing: 'entropy', randomShare: '0.35', active: '0' }, wf);
    assert.deepEqual(set, { retirement: 'adaptive', retire_count: 30, adaptive_threshold: 0.99, adaptive_min_votes: 3, training_chances_json: '[1,1,0.2]', routing: 'entropy', random_share: 0.35, active: 0, promote_correct: 4, promote_window: 5, promote_each_class: 1 });
    // The ends of the share are meaningful: 0 routes every live serve, 1 none.
    assert.equal(workflowSettings({ randomShare: '0' }, wf).random_share, 0);
    assert.equal(workflowSettings({ randomShare: 1 }, wf).random_share, 1);
  });

  it('refuses out-of-range or non-numeric values, naming every problem, instead of clamping them', () => {
    assert.deepEqual(problemsOf({ adaptiveThreshold: '7', retireCount: 'lots', adaptiveMinVotes: '2.5', trainingChances: '0.5, x, 2', retirement: 'sometimes' }).sort(), [
      'adaptive minimum votes: a whole number',
      'adaptive threshold: below 1',
      'retire after: a number',
      'retirement: fixed or adaptive',
      'training chances: each from 0 to 1',
      'training chances: numbers',
    ]);
    assert.deepEqual(problemsOf({ adaptiveThreshold: '0.2', retireCount: '0' }).sort(), ['adaptive threshold: from 0.5', 'retire after: at least 1']);
    assert.deepEqual(problemsOf({ routing: 'smart', randomShare: '1.5' }).sort(), ['random share: from 0 to 1', 'routing: retirement or entropy']);
    assert.deepEqual(problemsOf({ randomShare: '-0.1' }), ['random share: from 0 to 1']);
    assert.deepEqual(problemsOf({ randomShare: 'half' }), ['random share: a number from 0 to 1']);
  });

  it('takes the promotion rule and refuses a window below 1 or more correct answers than the window counts', () => {
    const set = workflowSettings({ promoteCorrect: '3', promoteWindow: '4', promoteEachClass: '0' }, wf);
    assert.deepEqual([set.promote_correct, set.promote_window, set.promote_each_class], [3, 4, 0]);
    // Only the window given: checked against the current correct count (4).
    assert.equal(workflowSettings({ promoteWindow: '4' }, wf).promote_window, 4);
    assert.deepEqual(problemsOf({ promoteWindow: '3' }), ['promotion: correct answers (4) must not exceed the last gold answers counted (3)']);
    assert.deepEqual(problemsOf({ promoteCorrect: '6', promoteWindow: '5' }), ['promotion: correct answers (6) must not exceed the last gold answers counted (5)']);
    assert.deepEqual(problemsOf({ promoteCorrect: '0', promoteWindow: '0' }).sort(), ['promotion: correct answers: at least 1', 'promotion: last gold answers: at least 1']);
    assert.deepEqual(problemsOf({ promoteCorrect: 'most', promoteEachClass: 'maybe' }).sort(), ['promotion: correct answers: a number', 'promotion: one per class is yes (1) or no (0)']);
    // A workflow without the gate (window 0, set by tests and scripts) keeps it when other settings are saved.
    assert.equal(workflowSettings({ retireCount: '7' }, { ...wf, promoteWindow: 0 }).promote_window, 0);
  });
});
