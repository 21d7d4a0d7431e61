import assert from 'node:assert/strict';
import { ABSTAIN } from '../../../scorers/claxson.js';
import { votesPerSubject } from '../aggregators/common.js';
import { majorityVote } from '../aggregators/majority.js';
import type { CrowdLabels, EvalSubject } from '../compare.js';
import { spread } from './page.js';
import { crowdCodes, differenceLines, mlCodes, sourcePanel } from './tables.js';

/**
 * A small fixed crowd, counted by hand. Three volunteers, eight subjects, majority vote, and a
 * consensus needs 3 votes (fewer is an abstention):
 *
 *   subject  truth  votes              majority  crowd (≥3 votes)  baseline
 *   S0       AGN    AGN AGN Star       AGN       AGN               AGN
 *   S1       AGN    AGN Star Star      Star      Star              AGN
 *   S2       Star   Star Star Star     Star      Star              Star
 *   S3       Star   AGN AGN Star       AGN       AGN               Star
 *   S4       XRB    XRB XRB AGN        XRB       XRB               AGN
 *   S5       XRB    XRB Star           (2 votes) abstains          XRB
 *   S6       AGN    AGN                (1 vote)  abstains          AGN
 *   S7       Star   Star Star XRB      Star      Star              XRB
 *
 * Crowd table (rows predicted, columns true), on the 6 subjects it labels:
 *   AGN  [1 1 0]  precision 1/2        Baseline table, on all 8:   AGN  [3 0 1]  precision 3/4
 *   Star [1 2 0]  precision 2/3                                    Star [0 2 0]  precision 1
 *   XRB  [0 0 1]  precision 1                                      XRB  [0 1 1]  precision 1/2
 *   recall 1/2 2/3 1, accuracy 4/6, coverage 6/8                   recall 1 2/3 1/2, accuracy 6/8
 */
const CLASSES = ['AGN', 'Star', 'XRB'];
const [AGN, STAR, XRB] = [0, 1, 2];
const TRUTH = [AGN, AGN, STAR, STAR, XRB, XRB, AGN, STAR];
const VOTES = [[AGN, AGN, STAR], [AGN, STAR, STAR], [STAR, STAR, STAR], [AGN, AGN, STAR], [XRB, XRB, AGN], [XRB, STAR], [AGN], [STAR, STAR, XRB]];
const BASELINE = [AGN, AGN, STAR, STAR, AGN, XRB, AGN, XRB];
const SUBJECTS: EvalSubject[] = TRUTH.map((truth, i) => ({ id: 100 + i, name: `S${i}`, truth }));
const BOOTSTRAP = { seed: 7, resamples: 400 };

function fixedCrowd(): CrowdLabels {
  const subject: number[] = [];
  const volunteer: number[] = [];
  const answer: number[] = [];
  VOTES.forEach((vs, s) => vs.forEach((a, v) => (subject.push(s), volunteer.push(v), answer.push(a))));
  const votes = { nSubjects: VOTES.length, nVolunteers: 3, k: CLASSES.length, subject: Int32Array.from(subject), volunteer: Int32Array.from(volunteer), answer: Int32Array.from(answer) };
  const consensus = majorityVote(votes);
  const counts = votesPerSubject(votes);
  return new Map(SUBJECTS.map((s, i) => [s.id, { label: consensus.label[i], confidence: consensus.confidence[i], votes: counts[i] }]));
}

describe('comparison tables (CLAXSON panel of one source)', () => {
  const crowd = fixedCrowd();
  const codes = crowdCodes(SUBJECTS, crowd, 3);
  const baseline = mlCodes(SUBJECTS, new Map(SUBJECTS.map((s, i) => [s.id, BASELINE[i]])));
  const panel = sourcePanel(
    'known',
    Int32Array.from(TRUTH),
    [
      { method: 'majority', kind: 'crowd', submissionId: null, pred: codes },
      { method: 'baseline', kind: 'baseline', submissionId: 9, pred: baseline },
      { method: 'best ML', kind: 'ml', submissionId: null, pred: 'Not applicable here.' },
    ],
    CLASSES,
    [['majority', 'baseline', 'crowd', 'baseline'], ['majority', 'best ML', 'crowd', 'best ML']],
    BOOTSTRAP,
  );
  const [crowdTable, baselineTable, best] = panel.tables;

  it('takes a consensus from fewer votes than the minimum as an abstention', () => {
    assert.deepEqual(Array.from(codes), [AGN, STAR, STAR, AGN, XRB, ABSTAIN, ABSTAIN, STAR]);
    assert.deepEqual(Array.from(crowdCodes(SUBJECTS, crowd, 1)).slice(6), [AGN, STAR]);
  });

  it('matches the hand-checked crowd table', () => {
    const t = crowdTable.table!;
    assert.deepEqual(t.counts, [[1, 1, 0], [1, 2, 0], [0, 0, 1]]);
    assert.deepEqual(t.rowTotals, [2, 3, 1]);
    assert.deepEqual(t.columnTotals, [2, 3, 1]);
    assert.deepEqual(t.precision, [1 / 2, 2 / 3, 1]);
    assert.deepEqual(t.recall, [1 / 2, 2 / 3, 1]);
    assert.equal(t.n, 6);
    assert.equal(t.correct, 4);
    assert.equal(t.abstained, 2);
    assert.deepEqual(t.abstainedByTrue, [1, 0, 1]);
    assert.equal(t.coverage, 6 / 8);
    assert.ok(Math.abs(t.macroF1! - (1 / 2 + 2 / 3 + 1) / 3) < 1e-12);
  });

  it('matches the hand-checked baseline table', () => {
    const t = baselineTable.table!;
    assert.deepEqual(t.counts, [[3, 0, 1], [0, 2, 0], [0, 1, 1]]);
    assert.deepEqual(t.precision, [3 / 4, 1, 1 / 2]);
    assert.deepEqual(t.recall, [1, 2 / 3, 1 / 2]);
    assert.equal(t.accuracy, 6 / 8);
    assert.equal(t.abstained, 0);
    assert.equal(baselineTable.submissionId, 9);
  });

  it('says why a method has no table, and pairs only the methods that have one', () => {
    assert.equal(best.table, null);
    assert.equal(best.intervals, null);
    assert.equal(best.missing, 'Not applicable here.');
    assert.deepEqual(panel.differences.map((d) => [d.a, d.b]), [['majority', 'baseline']]);
  });

  it('gives every figure an interval around its estimate', () => {
    for (const t of [crowdTable, baselineTable]) {
      const i = t.intervals!;
      assert.equal(i.resamples, 400);
      assert.equal(i.seed, 7);
      assert.equal(i.subjects, 8);
      assert.equal(i.accuracy.estimate, t.table!.accuracy);
      for (const x of [i.accuracy, i.macroF1, ...i.precision, ...i.recall, ...i.f1]) {
        assert.ok(x.lo !== null && x.hi !== null && x.estimate !== null);
        assert.ok(x.lo <= x.estimate + 1e-12 && x.estimate <= x.hi + 1e-12, `${x.lo} ≤ ${x.estimate} ≤ ${x.hi}`);
      }
    }
  });

  it('words the paired differences crowd − baseline on the subjects both label', () => {
    const d = panel.differences[0];
    // S5 and S6 are left out of both sides: the crowd abstains there.
    assert.equal(d.subjects, 6);
    const lines = d.lines;
    assert.deepEqual(lines.map((l) => `${l.figure}:${l.className ?? ''}`), [...CLASSES.flatMap((c) => [`recall:${c}`, `precision:${c}`, `f1:${c}`]), 'accuracy:', 'macroF1:']);
    // On S0–S4 and S7 both are right 4 times: the crowd misses S1 and S3, the baseline S4 and S7.
    const accuracy = lines.find((l) => l.figure === 'accuracy')!;
    assert.ok(Math.abs(accuracy.estimate! - (4 / 6 - 4 / 6)) < 1e-12);
    assert.match(accuracy.text, /^crowd accuracy − baseline accuracy = 0\.00 \[−?\d\.\d\d, −?\d\.\d\d\]$/);
    const xrbRecall = lines.find((l) => l.figure === 'recall' && l.className === 'XRB')!;
    // The only shared XRB subject is S4: the crowd says XRB, the baseline AGN.
    assert.ok(Math.abs(xrbRecall.estimate! - 1) < 1e-12);
    assert.match(xrbRecall.text, /^crowd XRB recall − baseline XRB recall = \+1\.00 \[/);
  });

  it('differenceLines reads n/a where a figure is undefined', () => {
    const none = { estimate: null, lo: null, hi: null, usable: 0 };
    const lines = differenceLines('crowd', 'best ML', { version: '1', seed: 1, resamples: 1, level: 0.95, subjects: 0, accuracy: none, macroF1: none, precision: [none], recall: [none], f1: [none] }, ['AGN']);
    assert.equal(lines[0].text, 'crowd AGN recall − best ML AGN recall = n/a [n/a]');
  });

  it('gives the median and range of votes per subject', () => {
    assert.deepEqual(spread(VOTES.map((v) => v.length)), { n: 8, median: 3, min: 1, max: 3 });
    assert.deepEqual(spread([4, 1, 2, 9]), { n: 4, median: 3, min: 1, max: 9 });
    assert.equal(spread([]), null);
  });
});
