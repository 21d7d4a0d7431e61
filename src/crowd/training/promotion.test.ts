import assert from 'node:assert/strict';
import { classesToLearn, promotionStatus, statusSentence } from './promotion.js';

const RULE = { correct: 4, window: 5, eachClass: true };
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
const all = new Set(CLASSES);

describe('crowd/training/promotion', () => {
  it('keeps a volunteer with 3 of the last 5 right in training, naming what is missing', () => {
    const s = promotionStatus(RULE, [true, false, true, false, true], all, CLASSES);
    assert.deepEqual([s.promoted, s.correctInWindow, s.needed], [false, 3, 1]);
    assert.equal(statusSentence(s), 'Training: 3 of your last 5 answers right; you still need 1 more right answer (4 of your last 5) before live subjects.');
  });

  it('promotes 4 of the last 5 with every class right once, and not when a class is missing', () => {
    assert.equal(promotionStatus(RULE, [true, true, false, true, true], all, CLASSES).promoted, true);
    const missing = promotionStatus(RULE, [true, true, false, true, true], new Set(['AGN', 'Star', 'XRB', 'Other']), CLASSES);
    assert.deepEqual([missing.promoted, missing.needed, missing.classesStillNeeded], [false, 0, ['CV']]);
    assert.match(statusSentence(missing), /you still need a right answer in the class CV before live subjects/);
    // Without the per-class condition, the count is enough.
    assert.equal(promotionStatus({ ...RULE, eachClass: false }, [true, true, false, true, true], new Set(['AGN']), CLASSES).promoted, true);
    // Only classes that have gold can be asked for.
    assert.equal(promotionStatus(RULE, [true, true, true, true], new Set(['AGN', 'Star']), ['AGN', 'Star']).promoted, true);
  });

  it('counts only the last `window` answers, and a window of 0 is no gate', () => {
    const old = promotionStatus(RULE, [false, false, true, true, true, true, true], all, CLASSES);
    assert.deepEqual([old.promoted, old.correctInWindow, old.answeredInWindow], [false, 3, 5]);
    const off = promotionStatus({ correct: 0, window: 0, eachClass: true }, [], new Set(), CLASSES);
    assert.deepEqual([off.promoted, off.classesStillNeeded, statusSentence(off)], [true, [], '']);
  });

  it('speaks of a new volunteer, of several classes and of display names', () => {
    const s = promotionStatus(RULE, [], new Set(), ['s', 'b']);
    assert.equal(statusSentence(s, (c) => ({ s: 'Higgs signal', b: 'Background' })[c] ?? c), 'Training: no answers yet; you still need 4 more right answers (4 of your last 5) and a right answer in each of the classes Higgs signal and Background before live subjects.');
  });

  it('asks for a right answer only in classes that still have gold for the voter, or were answered right', () => {
    const gold = new Map([[0, 3], [1, 2], [4, 1]]);
    // Class 4's only gold subject answered wrong: nothing left to learn it from. Class 1: one of two answered wrong, one left.
    const answers = [{ goldClass: 4, correct: false }, { goldClass: 1, correct: false }, { goldClass: 0, correct: true }];
    assert.deepEqual(classesToLearn(gold, answers), [0, 1]);
    assert.deepEqual(classesToLearn(gold, [...answers, { goldClass: 1, correct: false }]), [0]);
    assert.deepEqual(classesToLearn(gold, []), [0, 1, 4]);
  });
});
