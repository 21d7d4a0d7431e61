import assert from 'node:assert/strict';
import { parseCrowdConfig, type CrowdConfig } from '../display/schema.js';
import { citedClues, trainingFeedback } from './feedback.js';

function config(raw: unknown): CrowdConfig {
  const r = parseCrowdConfig(raw);
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  return r.config;
}

const XRAY = config({
  derived: { logFxFo: { log10: 'F_x/F_o' } },
  features: [{ label: 'Counterpart', columns: [{ column: 'dist', unit: 'pc' }] }],
  clues: {
    AGN: [{ column: 'logFxFo', between: [-1, 1], text: 'X-ray to optical ratio typical of AGN' }],
    Star: [
      { column: 'logFxFo', below: -2, text: 'faint in X-rays for its optical brightness' },
      { column: 'dist', above: 0, text: 'a measured distance: a nearby object' },
    ],
    CV: [{ column: 'dist', above: 0, text: 'nearby, as CVs often are' }],
  },
});
const GENERIC = { AGN: 'an active galaxy', Star: 'a star', CV: 'a white dwarf fed by a companion', XRB: 'an X-ray binary' };

describe('crowd/training/feedback', () => {
  it('cites the subject’s own value and range for the true class, and what pointed to a wrong answer', () => {
    // F_x/F_o = 2: logFxFo = 0.301, in AGN's range; a distance of 120 pc points to Star (and CV).
    const f = trainingFeedback(XRAY, { 'F_x/F_o': 2, dist: 120 }, 'Star', 'AGN', GENERIC);
    assert.deepEqual(f.supporting, ['dist is 120 pc, at least 0 pc: a measured distance: a nearby object']);
    assert.deepEqual(f.misleading, ['logFxFo is 0.301, between −1 and 1: X-ray to optical ratio typical of AGN']);
    assert.equal(f.correct, false);
    assert.equal(f.generic, null, 'no general text when the subject has its own clues');
    assert.deepEqual([f.trueDisplay, f.answerDisplay], [null, null], 'no display names configured');
  });

  it('shows no misleading clues after a right answer, and the class text when no rule matches', () => {
    const right = trainingFeedback(XRAY, { 'F_x/F_o': 2, dist: 120 }, 'AGN', 'AGN', GENERIC);
    assert.deepEqual(right.supporting, ['logFxFo is 0.301, between −1 and 1: X-ray to optical ratio typical of AGN']);
    assert.deepEqual(right.misleading, []);
    // 10^1.5: logFxFo 1.5 matches no rule; no distance measured.
    const none = trainingFeedback(XRAY, { 'F_x/F_o': 10 ** 1.5, dist: null }, 'XRB', 'Star', GENERIC);
    assert.deepEqual([none.supporting, none.misleading, none.generic], [[], [], 'an X-ray binary']);
    assert.equal(trainingFeedback(XRAY, {}, 'Other', 'AGN', GENERIC).generic, null, 'no text for a class without one');
  });

  it('adds the HiggsML physics clues for an event display, without repeating a quantity a rule cited', () => {
    const higgs = config({
      missing_values: [-999],
      plots: [{ kind: 'event' }],
      clues: { s: [{ column: 'DER_mass_MMC', between: [110, 140], text: 'close to the Higgs mass of 125 GeV' }], b: [{ column: 'DER_mass_MMC', below: 100, text: 'below the Higgs mass' }] },
    });
    // MMC 124 GeV, small transverse mass, visible mass 90 GeV; the MET (φ = 2) lies outside the tau (0) – lepton (1) angle.
    const event = { DER_mass_MMC: 124, DER_mass_transverse_met_lep: 20, DER_mass_vis: 90, PRI_tau_phi: 0, PRI_lep_phi: 1, PRI_met_phi: 2, DER_pt_h: -999 };
    const f = trainingFeedback({ ...higgs, classes: [{ name: 's', display: 'Higgs signal' }, { name: 'b', display: 'b (background)' }] }, event, 's', 'b');
    assert.deepEqual([f.trueDisplay, f.answerDisplay], ['Higgs signal', null]);
    assert.deepEqual(f.supporting, [
      'DER_mass_MMC is 124, between 110 and 140: close to the Higgs mass of 125 GeV',
      'The transverse mass of the lepton and the missing energy is 20 GeV, small (below 40 GeV) as when the neutrinos come from the taus',
      'The visible mass is 90 GeV, in the 80–110 GeV a Higgs leaves once the neutrinos are gone',
    ]);
    assert.deepEqual(f.misleading, ['The missing energy points outside the angle between the tau and the lepton, unlike two taus from one particle']);
    // Without the rule on the MMC mass, the physics clue on it speaks.
    const bare = citedClues(config({ plots: [{ kind: 'event' }] }), event);
    assert.match(bare.get('s')![0], /^The MMC mass is 124 GeV, close to the Higgs mass/);
    // Without an event display, no physics clues.
    assert.deepEqual(citedClues(config({}), event).size, 0);
  });
});
