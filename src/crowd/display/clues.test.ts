import assert from 'node:assert/strict';
import { derivedValue, evaluateClues, plainNumber } from './clues.js';
import { parseCrowdConfig, type CrowdConfig } from './schema.js';

function config(raw: unknown): CrowdConfig {
  const r = parseCrowdConfig(raw);
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  return r.config;
}

const XRAY = config({
  clues: {
    AGN: [
      { column: 'logFxFo', between: [-1, 1], text: 'X-ray to optical ratio typical of AGN' },
      { column: 'W1-W2', above: 0.8, text: 'WISE colour typical of AGN' },
    ],
    Star: [{ column: 'logFxFo', below: -2, text: 'faint in X-rays for a star' }],
  },
});

const citedOf = (c: CrowdConfig, values: Record<string, number | string | null>) =>
  Object.fromEntries(Object.entries(evaluateClues(c, values)).map(([k, v]) => [k, v.map((m) => m.cited)]));

describe('crowd/display/clues: evaluateClues', () => {
  it('cites the value and the range of each matching rule, per class', () => {
    assert.deepEqual(citedOf(XRAY, { logFxFo: 0.3, 'W1-W2': 1.2 }), {
      AGN: ['logFxFo is 0.3, between −1 and 1: X-ray to optical ratio typical of AGN', 'W1-W2 is 1.2, at least 0.8: WISE colour typical of AGN'],
      Star: [],
    });
    assert.deepEqual(citedOf(XRAY, { logFxFo: -2.5, 'W1-W2': 0.1 }), { AGN: [], Star: ['logFxFo is −2.5, at most −2: faint in X-rays for a star'] });
  });

  it('includes both bounds', () => {
    for (const v of [-1, 1]) assert.equal(evaluateClues(XRAY, { logFxFo: v }).AGN.length, 1, `${v} is inside [-1, 1]`);
    for (const v of [-1.0001, 1.0001]) assert.equal(evaluateClues(XRAY, { logFxFo: v }).AGN.length, 0, `${v} is outside [-1, 1]`);
    assert.equal(evaluateClues(XRAY, { 'W1-W2': 0.8 }).AGN.length, 1, 'above is inclusive');
    assert.equal(evaluateClues(XRAY, { logFxFo: -2 }).Star.length, 1, 'below is inclusive');
  });

  it('never matches a missing value: absent, null, empty, NaN, text, or a configured missing value', () => {
    const anything = config({ missing_values: [-999], clues: { s: [{ column: 'm', below: 1e9, text: 'any value' }] } });
    for (const m of [undefined, null, '', 'NaN', 'n/a', Number.NaN, -999, '-999']) {
      assert.deepEqual(evaluateClues(anything, { m: m as never }).s, [], `${String(m)} is missing`);
    }
    assert.equal(evaluateClues(anything, { m: '12.5' }).s[0].value, 12.5, 'a numeric CSV cell counts');
    const noMissing = config({ clues: { s: [{ column: 'm', below: 0, text: 'negative' }] } });
    assert.equal(evaluateClues(noMissing, { m: -999 }).s.length, 1, '-999 is a value unless the configuration says otherwise');
  });

  it('gives the unit of the feature when the configuration has one', () => {
    const higgs = config({
      missing_values: [-999],
      features: [{ label: 'DER', columns: [{ column: 'DER_mass_MMC', unit: 'GeV' }] }],
      clues: { s: [{ column: 'DER_mass_MMC', between: [110, 140], text: 'close to the Higgs mass' }] },
    });
    assert.deepEqual(citedOf(higgs, { DER_mass_MMC: 124.3 }), { s: ['DER_mass_MMC is 124 GeV, between 110 and 140 GeV: close to the Higgs mass'] });
    assert.deepEqual(citedOf(higgs, { DER_mass_MMC: 91 }), { s: [] });
  });

  it('computes derived values, null when an input is missing or the formula undefined', () => {
    assert.equal(derivedValue({ difference: ['W1', 'W2'] }, { W1: 10.5, W2: 9.5 }), 1);
    assert.equal(derivedValue({ hardness: ['s', 'h'] }, { s: 1, h: 3 }), 0.5);
    assert.equal(derivedValue({ hardness: ['s', 'h'] }, { s: 0, h: 0 }), null);
    assert.equal(derivedValue({ log10: 'r' }, { r: 100 }), 2);
    assert.equal(derivedValue({ log10: 'r' }, { r: 0 }), null);
    assert.equal(derivedValue({ difference: ['a', 'b'] }, { a: 1, b: -999 }, [-999]), null);
    // as src/crowd/features.ts: log10(1e-13) + 15 / 2.5 + 5.37 = 6 - 13 + 5.37
    const fxo = derivedValue({ xray_to_optical: { fluxes: ['s', 'm', 'h'], mag: 'G' } }, { s: 4e-14, m: null, h: 6e-14, G: 15 });
    assert.ok(fxo !== null && Math.abs(fxo - -1.63) < 1e-9, String(fxo));
    assert.equal(derivedValue({ xray_to_optical: { fluxes: ['s'], mag: 'G' } }, { s: null, G: 15 }), null);
  });

  it('evaluates clues on derived values', () => {
    const c = config({ derived: { logFxFo: { log10: 'F_x/F_o' } }, clues: { AGN: [{ column: 'logFxFo', between: [-1, 1], text: 'typical of AGN' }] } });
    assert.deepEqual(citedOf(c, { 'F_x/F_o': 2 }), { AGN: ['logFxFo is 0.301, between −1 and 1: typical of AGN'] });
    assert.deepEqual(citedOf(c, { 'F_x/F_o': 1000 }), { AGN: [] });
    assert.deepEqual(citedOf(c, { 'F_x/F_o': null }), { AGN: [] });
  });

  it('cites a present rule by its value alone, and matches any measured value but never a missing one', () => {
    const c = config({
      features: [{ label: 'Distance', columns: [{ column: 'dist', unit: 'pc' }] }],
      missing_values: [-999],
      clues: { Star: [{ column: 'dist', present: true, text: 'a measured distance: a nearby object in our Galaxy' }] },
    });
    assert.deepEqual(citedOf(c, { dist: 294 }), { Star: ['dist is 294 pc: a measured distance: a nearby object in our Galaxy'] });
    for (const missing of [null, '', 'n/a', -999]) assert.deepEqual(citedOf(c, { dist: missing }), { Star: [] }, `${missing} is no measurement`);
    const both = parseCrowdConfig({ clues: { Star: [{ column: 'dist', present: true, above: 0, text: 'x' }] } });
    assert.ok(!both.ok && both.problems.some((p) => p.includes('exactly one of between, above, below, present')), 'present is one of the kinds, not an addition');
    const falsy = parseCrowdConfig({ clues: { Star: [{ column: 'dist', present: false, text: 'x' }] } });
    assert.ok(!falsy.ok && falsy.problems.some((p) => p.includes('must be true')), 'present: false means nothing');
  });

  it('writes numbers plainly', () => {
    assert.equal(plainNumber(0.3), '0.3');
    assert.equal(plainNumber(-1), '−1');
    assert.equal(plainNumber(124.349), '124');
    assert.equal(plainNumber(3.2e-14), '3.20e−14');
    assert.equal(plainNumber(0), '0');
  });
});
