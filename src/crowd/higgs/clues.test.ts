import assert from 'node:assert/strict';
import { higgsClues, phiBetween, wrapAngle } from './clues.js';

const ids = (row: Record<string, number>) => higgsClues(row).map((c) => `${c.id}:${c.points}`);

describe('higgsClues', () => {
  const signalLike = {
    DER_mass_MMC: 124.2, DER_mass_vis: 92, DER_mass_transverse_met_lep: 12, DER_pt_h: 140,
    PRI_tau_phi: 0.2, PRI_lep_phi: 2.0, PRI_met_phi: 1.1,
  };

  it('reads a Higgs-like event as signal, citing its own values', () => {
    const clues = higgsClues(signalLike);
    assert.deepEqual(clues.map((c) => c.id), ['mmc-near-higgs', 'met-between', 'mt-low', 'vis-higgs-range', 'pt-h-boosted']);
    assert.ok(clues.every((c) => c.points === 'signal'));
    assert.equal(clues[0].text, 'the MMC mass is 124 GeV, close to the Higgs mass (125 GeV)');
    assert.match(clues[2].text, /is 12 GeV, small \(below 40 GeV\)/);
    assert.match(clues[3].text, /visible mass is 92 GeV/);
  });

  it('reads Z-like and W-like events as background', () => {
    assert.deepEqual(ids({ DER_mass_MMC: 90, DER_mass_vis: 55, DER_mass_transverse_met_lep: 30, DER_pt_h: 10 }), ['mmc-near-z:background', 'mt-low:signal', 'vis-low:background']);
    assert.deepEqual(ids({ DER_mass_MMC: 210, DER_mass_vis: 150, DER_mass_transverse_met_lep: 85, PRI_tau_phi: 0.2, PRI_lep_phi: 1.0, PRI_met_phi: -2.5 }), ['mmc-high:background', 'met-outside:background', 'mt-high:background', 'vis-high:background']);
    assert.deepEqual(ids({ DER_mass_MMC: -999, DER_mass_vis: 70 }), ['mmc-undefined:background']);
    assert.deepEqual(ids({ DER_mass_MMC: 60 }), ['mmc-low:background']);
  });

  it('gives no clue at the edges where the physics is undecided, and ignores the label', () => {
    assert.deepEqual(ids({ DER_mass_MMC: 150, DER_mass_vis: 115, DER_mass_transverse_met_lep: 50, DER_pt_h: 100 }), []);
    assert.deepEqual(ids({ ...signalLike, Label: 0, Weight: 99 }), ids(signalLike));
  });

  it('finds the MET between tau and lepton across the ±π seam, and outside the smaller angle', () => {
    assert.ok(phiBetween(Math.PI - 0.05, 3.0, -3.0)); // the smaller angle crosses ±π
    assert.ok(!phiBetween(0, 3.0, -3.0)); // 0 is in the larger angle
    assert.ok(phiBetween(-1, -2, 0.5) && phiBetween(-1, 0.5, -2)); // order does not matter
    assert.ok(phiBetween(0.3, 0.3, 1)); // ends included
    assert.ok(Math.abs(wrapAngle(3 * Math.PI / 2) + Math.PI / 2) < 1e-12);
    assert.deepEqual(ids({ PRI_tau_phi: 3.0, PRI_lep_phi: -3.0, PRI_met_phi: -3.1 }), ['met-between:signal']);
    assert.deepEqual(ids({ PRI_tau_phi: 3.0, PRI_lep_phi: -3.0, PRI_met_phi: 1.5 }), ['met-outside:background']);
    // nearly back to back (real event 100002: φ −2.093 and 1.052): no direction clue either way
    assert.deepEqual(ids({ PRI_tau_phi: -2.093, PRI_lep_phi: 1.052, PRI_met_phi: -2.186 }), []);
    assert.deepEqual(ids({ PRI_tau_phi: -2.093, PRI_lep_phi: 0.7, PRI_met_phi: -2.186 }), ['met-outside:background']);
  });
});
