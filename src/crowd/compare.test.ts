import assert from 'node:assert/strict';
import type { BoardRow } from '../leaderboards/service.js';
import { BASELINE_NAME, CROWD_BASELINE_NAME } from '../baseline/service.js';
import { crowdComparison, crowdVsMl, evaluationSet, figures, LIST_LIMIT, mlComparison, pickMlEntries, scoringClasses, type CrowdLabels, type EvalSubject } from './compare.js';

const K3 = ['a', 'b', 'c'];
const subjects = (truth: number[]): EvalSubject[] => truth.map((t, i) => ({ id: i + 1, name: `s${i + 1}`, truth: t }));
const crowdOf = (labels: number[], confidence: number[] = labels.map(() => 0.5)): CrowdLabels => new Map(labels.map((l, i) => [i + 1, { label: l, confidence: confidence[i], votes: 3 }]));
const mlOf = (labels: number[]) => new Map(labels.map((l, i) => [i + 1, l]));
const row = (submissionId: number, rank: number | null, isBaseline = false, name = isBaseline ? BASELINE_NAME : `e${submissionId}`): BoardRow => ({ rank, submissionId, userId: submissionId, name, teamId: null, members: [], score: 0.5, entries: 1, createdAt: '2026-01-01T00:00:00.000Z', isBaseline, rankChange: null });

describe('crowd comparison: pure functions', () => {
  it('scores over the workflow classes first, then the solution classes volunteers cannot choose, and says what differs', () => {
    assert.deepEqual(scoringClasses(K3, ['c', 'b', 'a']), { classes: K3, notes: [] });
    const { classes, notes } = scoringClasses(['a', 'b', 'x'], ['a', 'b', 'c']);
    assert.deepEqual(classes, ['a', 'b', 'x', 'c']);
    assert.equal(notes.length, 2);
    assert.match(notes[0], /class\(es\) c that volunteers cannot choose/);
    assert.match(notes[1], /class\(es\) x that the solution does not have/);
  });

  it('keeps the subjects every crowd method has a consensus for', () => {
    const all = subjects([0, 1, 2, 0]);
    const live = crowdOf([0, 1, 2]);
    const batch: CrowdLabels = new Map([[2, { label: 1, confidence: 1, votes: 1 }], [3, { label: 2, confidence: 1, votes: 1 }], [4, { label: 0, confidence: 1, votes: 1 }]]);
    assert.deepEqual(evaluationSet(all, [live, batch]).map((s) => s.id), [2, 3]);
    assert.deepEqual(evaluationSet(all, []).length, 4);
  });

  it('computes per-class figures as scikit-learn does (macro over present classes)', () => {
    // truth a a b b, predicted a b b c: a P 1 R .5; b P .5 R .5; c predicted once, never true.
    const f = figures(subjects([0, 0, 1, 1]), (s) => [0, 1, 1, 2][s.id - 1], K3);
    assert.equal(f.n, 4);
    assert.equal(f.correct, 2);
    assert.equal(f.accuracy, 0.5);
    assert.deepEqual(f.classes.map((c) => [c.name, c.precision, c.recall, c.support, c.predicted]), [['a', 1, 0.5, 2, 1], ['b', 0.5, 0.5, 2, 2], ['c', 0, 0, 0, 1]]);
    assert.ok(Math.abs(f.macroF1 - (2 / 3 + 1 / 2 + 0) / 3) < 1e-12);
    assert.deepEqual(f.confusion, [[1, 1, 0], [0, 1, 1], [0, 0, 0]]);
  });

  it('lists crowd errors most confident first, capped, with the total', () => {
    const n = LIST_LIMIT + 5;
    const s = subjects(Array.from({ length: n }, () => 0));
    const c = crowdComparison('m', s, crowdOf(s.map(() => 1), s.map((x) => x.id / n)), K3);
    assert.equal(c.nDisagreements, n);
    assert.equal(c.disagreements.length, LIST_LIMIT);
    assert.equal(c.disagreements[0].subjectId, n);
    assert.deepEqual(c.disagreements[0], { subjectId: n, name: `s${n}`, crowd: 'b', truth: 'a', confidence: 1, votes: 3 });
  });

  it("lists an ML entry's errors that the crowd gets right first", () => {
    const s = subjects([0, 1, 2, 0]);
    const entry = { role: 'best' as const, submissionId: 9, name: 'e9', board: 'public' as const, boardScore: 0.5, rank: 1, createdAt: '' };
    const m = mlComparison(entry, s, mlOf([1, 0, 2, 2]), crowdOf([2, 1, 2, 0]), K3);
    assert.deepEqual(m.errors.map((e) => [e.subjectId, e.ml, e.truth, e.crowd]), [[2, 'a', 'b', 'b'], [4, 'c', 'a', 'a'], [1, 'b', 'a', 'c']]);
    assert.equal(m.nErrors, 3);
    assert.equal(m.submissionId, 9);
  });

  it('sets crowd against ML: agreement, crowd × ML matrix, exactly-one-right cases first, then by crowd confidence', () => {
    //            1     2     3     4     5     6
    // truth      a     a     b     b     c     c
    // crowd      a     b     b     a     a     c      confidence .6 .9 .7 .95 .99 .5
    // ML         b     a     b     c     b     c
    const s = subjects([0, 0, 1, 1, 2, 2]);
    const r = crowdVsMl({ aggregator: 'dawid_skene', source: 'batch', labels: crowdOf([0, 1, 1, 0, 0, 2], [0.6, 0.9, 0.7, 0.95, 0.99, 0.5]) }, { role: 'best', submissionId: 3, name: 'e3' }, s, mlOf([1, 0, 1, 2, 1, 2]), K3);
    assert.equal(r.n, 6);
    assert.equal(r.agreed, 2);
    assert.equal(r.agreement, 2 / 6);
    assert.deepEqual(r.outcomes, { both: 2, crowdOnly: 1, mlOnly: 1, neither: 2 });
    assert.deepEqual(r.confusion, [[0, 2, 1], [1, 1, 0], [0, 0, 1]]);
    // Subject 2 (ML right, .9), subject 1 (crowd right, .6); then neither: 5 (.99), 4 (.95).
    assert.deepEqual(r.disagreements.map((d) => [d.subjectId, d.right]), [[2, 'ml'], [1, 'crowd'], [5, 'neither'], [4, 'neither']]);
    assert.deepEqual(r.disagreements[0], { subjectId: 2, name: 's2', crowd: 'b', ml: 'a', truth: 'a', right: 'ml', confidence: 0.9, votes: 3 });
    assert.equal(r.nDisagreements, 4);
  });

  it('picks the first-ranked competitor as the best entry, never the baseline', () => {
    assert.deepEqual(pickMlEntries([row(1, null, true), row(2, 1), row(3, 2)]), { baseline: row(1, null, true), best: row(2, 1) });
    assert.deepEqual(pickMlEntries([row(1, null, true)]), { baseline: row(1, null, true), best: null });
    assert.deepEqual(pickMlEntries([]), { baseline: null, best: null });
    // The "Baseline + crowd" row is a baseline too, but the comparison keeps the plain one.
    assert.deepEqual(pickMlEntries([row(4, null, true, CROWD_BASELINE_NAME), row(1, null, true), row(2, 1)]), { baseline: row(1, null, true), best: row(2, 1) });
    assert.deepEqual(pickMlEntries([row(4, null, true, CROWD_BASELINE_NAME), row(2, 1)]), { baseline: null, best: row(2, 1) });
  });
});
