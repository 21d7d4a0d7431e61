import assert from 'node:assert/strict';
import { derivedQuantities, NOT_COMPUTABLE } from './derived.js';

describe('derivedQuantities', () => {
  it('gives the five panel rows with value, unit, printed value and a hint', () => {
    const rows = derivedQuantities({ DER_mass_MMC: 124.46, DER_mass_vis: 97.827, DER_mass_transverse_met_lep: 51.655, DER_deltar_tau_lep: 3.064, DER_pt_h: 27.98 });
    assert.deepEqual(rows.map((r) => r.column), ['DER_mass_MMC', 'DER_mass_vis', 'DER_mass_transverse_met_lep', 'DER_deltar_tau_lep', 'DER_pt_h']);
    assert.deepEqual(rows.map((r) => r.display), ['124.5 GeV', '97.8 GeV', '51.7 GeV', '3.06', '28.0 GeV']);
    assert.equal(rows[3].unit, '');
    assert.ok(rows.every((r) => r.hint.length > 40 && r.label.length > 0));
  });

  it('says "not computable for this event" for −999 or a missing column', () => {
    const rows = derivedQuantities({ DER_mass_MMC: -999, DER_mass_vis: 80 });
    assert.equal(rows[0].value, null);
    assert.equal(rows[0].display, NOT_COMPUTABLE);
    assert.equal(rows[1].display, '80.0 GeV');
    assert.equal(rows[4].display, NOT_COMPUTABLE);
  });
});
