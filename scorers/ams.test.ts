import assert from 'node:assert/strict';
import { AMS_DEFAULTS, amsFromSB, amsScore } from './ams.js';

const S = 1; // signal class code in these tests
const B = 0;

describe('amsFromSB', () => {
  it('matches the formula on s=3, b=7, b_reg=10', () => {
    // sqrt(2((3 + 7 + 10) ln(1 + 3/17) − 3)) = sqrt(2(20 ln(20/17) − 3))
    // ln(20/17) = 0.162518929497774..., 20·that − 3 = 0.250378589955498..., ×2 = 0.500757179910997...
    // sqrt → 0.70764198568979535 (bc -l, scale 40)
    assert.ok(Math.abs(amsFromSB(3, 7, 10) - 0.7076419856897953503) < 1e-9);
    assert.equal(amsFromSB(3, 7), amsFromSB(3, 7, 10), 'b_reg defaults to 10');
  });

  it('s=1, b=0: sqrt(2(11 ln 1.1 − 1)) = 0.31116547960072', () => {
    assert.ok(Math.abs(amsFromSB(1, 0) - 0.3111654796007213281) < 1e-9);
  });

  it('is 0 when nothing signal is selected, whatever b', () => {
    assert.equal(amsFromSB(0, 0), 0);
    assert.equal(amsFromSB(0, 12345), 0);
  });

  it('grows with s and shrinks with b', () => {
    assert.ok(amsFromSB(4, 7) > amsFromSB(3, 7));
    assert.ok(amsFromSB(3, 8) < amsFromSB(3, 7));
  });

  it('rejects negative inputs', () => {
    assert.throws(() => amsFromSB(-1, 2), RangeError);
    assert.throws(() => amsFromSB(1, -2), RangeError);
  });
});

describe('amsScore', () => {
  // rows:       0    1    2    3    4    5    6 (masked out)
  // true:       s    s    s    b    b    b    s
  // predicted:  s    b    s    s    b    b    s
  // weight:     1    1    2    5    5   10  1000
  const trueLabel = Int32Array.from([S, S, S, B, B, B, S]);
  const predLabel = Int32Array.from([S, B, S, S, B, B, S]);
  const weight = Float64Array.from([1, 1, 2, 5, 5, 10, 1000]);
  const rows = Uint8Array.from([1, 1, 1, 1, 1, 1, 0]);

  it('renormalises per class within the mask (Ns=10, Nb=100)', () => {
    // signal weights in mask: 1+1+2 = 4 -> scale 10/4; selected signal 1+2 = 3 -> s = 7.5
    // background weights: 5+5+10 = 20 -> scale 100/20; selected background 5 -> b = 25
    // AMS = sqrt(2((7.5 + 25 + 10) ln(1 + 7.5/35) − 7.5)) = 1.22607553906004690 (bc)
    const r = amsScore(trueLabel, predLabel, weight, S, rows, { Ns: 10, Nb: 100 });
    assert.ok(Math.abs(r.s - 7.5) < 1e-12);
    assert.ok(Math.abs(r.b - 25) < 1e-12);
    assert.equal(r.selected, 3);
    assert.equal(r.n, 6);
    assert.equal(r.signalWeight, 4);
    assert.equal(r.backgroundWeight, 20);
    assert.ok(Math.abs(r.ams - 1.226075539060046898) < 1e-9);
  });

  it('gives the same AMS when all weights are scaled by a constant', () => {
    const a = amsScore(trueLabel, predLabel, weight, S, rows, { Ns: 10, Nb: 100 });
    const scaled = weight.map((w) => w * 1234.5);
    const b = amsScore(trueLabel, predLabel, scaled, S, rows, { Ns: 10, Nb: 100 });
    assert.ok(Math.abs(a.ams - b.ams) < 1e-12);
    assert.ok(Math.abs(b.s - 7.5) < 1e-9 && Math.abs(b.b - 25) < 1e-9);
  });

  it('counts the masked-out row when the mask includes it', () => {
    // signal total becomes 1004, selected signal 1003 -> s = 10·1003/1004
    const r = amsScore(trueLabel, predLabel, weight, S, undefined, { Ns: 10, Nb: 100 });
    assert.ok(Math.abs(r.s - (10 * 1003) / 1004) < 1e-12);
    assert.equal(r.selected, 4);
  });

  it('is idempotent on weights already summing to the HiggsML totals', () => {
    const { Ns, Nb } = AMS_DEFAULTS;
    // signal weights 0.25·Ns, 0.75·Ns (second selected); background 0.5·Nb each (first selected)
    // s = 518.99145578399025, b = 205499.9236609055
    // AMS = sqrt(2((s + b + 10) ln(1 + s/(b + 10)) − s)) = 1.14435604843302749839 (bc)
    const r = amsScore(
      Int32Array.from([S, S, B, B]),
      Int32Array.from([B, S, S, B]),
      Float64Array.from([0.25 * Ns, 0.75 * Ns, 0.5 * Nb, 0.5 * Nb]),
      S,
    );
    assert.ok(Math.abs(r.signalScale - 1) < 1e-15);
    assert.ok(Math.abs(r.backgroundScale - 1) < 1e-15);
    assert.ok(Math.abs(r.s - 518.99145578399025) < 1e-9);
    assert.ok(Math.abs(r.b - 205499.9236609055) < 1e-7);
    assert.ok(Math.abs(r.ams - 1.1443560484330274984) < 1e-9);
  });

  it('is 0 when nothing is predicted signal', () => {
    const none = new Int32Array(7).fill(B);
    const r = amsScore(trueLabel, none, weight, S, rows);
    assert.equal(r.ams, 0);
    assert.equal(r.s, 0);
    assert.equal(r.b, 0);
    assert.equal(r.selected, 0);
  });

  it('treats a class with no weight in the subset as scale 0 (no NaN)', () => {
    // only background rows scored: signal scale 0, s = 0 -> AMS 0
    const r = amsScore(trueLabel, predLabel, weight, S, Uint8Array.from([0, 0, 0, 1, 1, 1, 0]));
    assert.equal(r.signalScale, 0);
    assert.equal(r.ams, 0);
    assert.ok(r.b > 0);
    // only signal rows scored: b = 0, s = Ns·3/4 with the default Ns
    const q = amsScore(trueLabel, predLabel, weight, S, Uint8Array.from([1, 1, 1, 0, 0, 0, 0]));
    assert.equal(q.backgroundScale, 0);
    assert.equal(q.b, 0);
    assert.ok(Math.abs(q.s - 0.75 * AMS_DEFAULTS.Ns) < 1e-9);
    assert.ok(Math.abs(q.ams - amsFromSB(q.s, 0)) < 1e-12 && Number.isFinite(q.ams));
  });

  it('honours b_reg', () => {
    const r = amsScore(trueLabel, predLabel, weight, S, rows, { Ns: 10, Nb: 100, bReg: 0 });
    // sqrt(2((7.5 + 25) ln(1 + 7.5/25) − 7.5)) = sqrt(2(32.5 ln 1.3 − 7.5)) = 1.43306566157553240785 (bc)
    assert.ok(Math.abs(r.ams - 1.4330656615755324079) < 1e-9);
  });

  it('rejects mismatched lengths', () => {
    assert.throws(() => amsScore(trueLabel, predLabel.subarray(1), weight, S), /length mismatch/);
  });
});
