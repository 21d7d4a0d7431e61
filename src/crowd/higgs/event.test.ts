import assert from 'node:assert/strict';
import { definedValue, higgsEvent, higgsRowOf, jetsDescription } from './event.js';

/** A two-jet event with every object defined. */
const FULL_ROW = {
  PRI_tau_pt: 40, PRI_tau_eta: 0.5, PRI_tau_phi: 0.3,
  PRI_lep_pt: 30, PRI_lep_eta: -1.2, PRI_lep_phi: 2.1,
  PRI_met: 25, PRI_met_phi: 1.2,
  PRI_jet_num: 2,
  PRI_jet_leading_pt: 80, PRI_jet_leading_eta: 3.1, PRI_jet_leading_phi: Math.PI / 2,
  PRI_jet_subleading_pt: 45, PRI_jet_subleading_eta: -2.8, PRI_jet_subleading_phi: -2,
  PRI_jet_all_pt: 125,
};

describe('higgsEvent', () => {
  it('reads every object of a two-jet event, named and coloured, with η except for the MET', () => {
    const e = higgsEvent(FULL_ROW);
    assert.deepEqual(e.objects.map((o) => o.kind), ['tau', 'lepton', 'leading-jet', 'subleading-jet', 'met']);
    const jet = e.objects[2];
    assert.deepEqual([jet.pt, jet.eta, jet.phi, jet.name], [80, 3.1, Math.PI / 2, 'leading jet']);
    const met = e.objects[4];
    assert.deepEqual([met.pt, met.eta, met.phi], [25, null, 1.2]);
    assert.equal(new Set(e.objects.map((o) => o.colour)).size, 5);
    assert.equal(e.jetsDescription, 'two jets');
    assert.equal(e.jetsAllPt, 125);
  });

  it('leaves out −999 (and NaN or missing) objects and says "no jets" / "one jet"', () => {
    const noJets = higgsEvent({ ...FULL_ROW, PRI_jet_num: 0, PRI_jet_leading_pt: -999, PRI_jet_leading_eta: -999, PRI_jet_leading_phi: -999, PRI_jet_subleading_pt: -999, PRI_jet_subleading_eta: -999, PRI_jet_subleading_phi: -999, PRI_jet_all_pt: 0 });
    assert.deepEqual(noJets.objects.map((o) => o.kind), ['tau', 'lepton', 'met']);
    assert.equal(noJets.jetsDescription, 'no jets');
    const oneJet = higgsEvent({ ...FULL_ROW, PRI_jet_num: 1, PRI_jet_subleading_pt: NaN, PRI_jet_subleading_eta: -999, PRI_jet_subleading_phi: -999 });
    assert.deepEqual(oneJet.objects.map((o) => o.kind), ['tau', 'lepton', 'leading-jet', 'met']);
    assert.equal(oneJet.jetsDescription, 'one jet');
    const { PRI_lep_phi: _dropped, ...noLeptonPhi } = FULL_ROW;
    assert.ok(!higgsEvent(noLeptonPhi).objects.some((o) => o.kind === 'lepton'));
    assert.equal(jetsDescription(3), 'three or more jets');
    assert.equal(jetsDescription(null), 'number of jets unknown');
  });

  it('treats −999, NaN and missing as undefined but keeps 0 and negative values', () => {
    assert.equal(definedValue({ a: -999 }, 'a'), null);
    assert.equal(definedValue({ a: NaN }, 'a'), null);
    assert.equal(definedValue({}, 'a'), null);
    assert.equal(definedValue({ a: 0 }, 'a'), 0);
    assert.equal(definedValue({ a: -2.5 }, 'a'), -2.5);
  });

  it('parses a CSV line of the HiggsML file, the label becoming absent', () => {
    const header = ['EventId', 'PRI_tau_pt', 'PRI_jet_leading_pt', 'Label'];
    const row = higgsRowOf(header, ['100000', '32.638', '-999.0', 's']);
    assert.equal(row.PRI_tau_pt, 32.638);
    assert.equal(definedValue(row, 'PRI_jet_leading_pt'), null);
    assert.equal(definedValue(row, 'Label'), null);
  });
});
