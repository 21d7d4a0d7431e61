import assert from 'node:assert/strict';
import { seededRandom } from '../../seeded-random.js';
import { accuracyRange, drawVolunteer, PROFILES, type Profile } from './profiles.js';

/** Many volunteers of a profile on these classes. */
const crowdOf = (profile: Profile, classes: string[], n = 200) => {
  const rng = seededRandom(11);
  return Array.from({ length: n }, () => drawVolunteer(rng, profile, classes, 1000));
};
const row = (confusion: Float64Array, k: number, t: number) => Array.from(confusion.subarray(t * k, (t + 1) * k));

describe('simulated volunteer profiles', () => {
  it('give every profile a confusion matrix of probability rows with two classes', () => {
    for (const p of PROFILES) {
      for (const v of crowdOf(p, ['b', 's'])) {
        for (const t of [0, 1]) {
          const r = row(v.confusion, 2, t);
          assert.ok(r.every((x) => x >= 0), `${p}: ${r}`);
          assert.ok(Math.abs(r[0] + r[1] - 1) < 1e-9, `${p}: row ${t} sums to ${r[0] + r[1]}`);
        }
      }
    }
  });

  it('keep noisy and skilled volunteers better than a coin with two classes, noisy below skilled', () => {
    for (const v of crowdOf('noisy', ['b', 's'])) for (const t of [0, 1]) assert.ok(v.confusion[t * 3] > 0.5 && v.confusion[t * 3] <= 0.65, `noisy diagonal ${v.confusion[t * 3]}`);
    for (const v of crowdOf('skilled', ['b', 's'])) for (const t of [0, 1]) assert.ok(v.confusion[t * 3] >= 0.6 && v.confusion[t * 3] <= 0.9, `skilled diagonal ${v.confusion[t * 3]}`);
    assert.ok(accuracyRange('noisy', 2)[1] <= accuracyRange('skilled', 2)[1]);
  });

  it('keep the five-class ranges of the issue', () => {
    assert.deepEqual(accuracyRange('skilled', 5), [0.5, 0.9]);
    assert.deepEqual(accuracyRange('noisy', 5).map((x) => Math.round(x * 100) / 100), [0.25, 0.45]);
    assert.deepEqual(accuracyRange('expert', 2), [0.95, 0.99]);
  });

  it('make a biased volunteer call one class the other with two classes, both ways among the crowd', () => {
    const notes = new Set<string>();
    for (const v of crowdOf('biased', ['b', 's'])) {
      const m = /^calls (b|s) (b|s)$/.exec(v.note);
      assert.ok(m && m[1] !== m[2], v.note);
      const from = m[1] === 'b' ? 0 : 1;
      const to = 1 - from;
      assert.ok(v.confusion[from * 2 + to] >= 0.8, `${v.note}: ${row(v.confusion, 2, from)}`);
      notes.add(v.note);
    }
    assert.deepEqual([...notes].sort(), ['calls b s', 'calls s b']);
  });

  it('keep the classic XRB-as-AGN bias when those classes exist', () => {
    const notes = crowdOf('biased', ['AGN', 'Star', 'XRB', 'CV', 'Other']).map((v) => v.note);
    const classic = notes.filter((n) => n === 'calls XRB AGN').length;
    assert.ok(classic > notes.length * 0.4, `${classic} of ${notes.length}`);
  });
});
