import assert from 'node:assert/strict';
import { loadChallengeFolder, readCsvHeader } from '../../challenges/definition.js';
import { evaluateClues } from './clues.js';
import { checkCrowdConfig } from './schema.js';

/** The `crowd:` sections shipped in datasets/, against each challenge's real test columns and classes. */
describe('crowd/display: the crowd sections of the demo challenges', () => {
  for (const slug of ['xray-sources', 'xmm-sources', 'higgsml']) {
    it(`datasets/${slug} has a valid crowd section naming only its own columns and classes`, async () => {
      const def = await loadChallengeFolder(`datasets/${slug}`);
      assert.ok(def.crowd, 'crowd section loaded');
      const columns = (await readCsvHeader(def.files.test)) ?? [];
      assert.deepEqual(checkCrowdConfig(def.crowd, { columns, classes: def.classes }), []);
      assert.deepEqual(def.crowd.classes.map((c) => c.name).sort(), [...def.classes].sort(), 'a button for every class');
      const shown = def.crowd.features.flatMap((g) => g.columns.map((f) => f.column));
      assert.ok(!shown.includes(def.targetColumn) && !shown.includes(def.weightColumn ?? ''), 'no hidden column shown');
    });
  }

  it('the X-ray pages keep their spectrum bands and sky position', async () => {
    const csc = (await loadChallengeFolder('datasets/xray-sources')).crowd!;
    const xmm = (await loadChallengeFolder('datasets/xmm-sources')).crowd!;
    const bands = (c: typeof csc) => c.plots.flatMap((p) => (p.kind === 'spectrum' ? p.bands.map((b) => [b.column, b.lo, b.hi]) : []));
    assert.deepEqual(bands(csc), [['Fcsc_s', 0.5, 1.2], ['Fcsc_m', 1.2, 2], ['Fcsc_h', 2, 7]]);
    assert.deepEqual(bands(xmm), [['F1', 0.2, 0.5], ['F2', 0.5, 1], ['F3', 1, 2], ['F4', 2, 4.5], ['F5', 4.5, 12]]);
    for (const c of [csc, xmm]) assert.ok(c.plots.some((p) => p.kind === 'sky' && p.ra === 'ra' && p.dec === 'dec'));
    // the card's computed rows (src/crowd/features.ts) as derived values
    assert.deepEqual(Object.keys(csc.derived), ['hardness', 'logFxFo', 'colour_BP_RP', 'colour_W1_W2']);
    assert.deepEqual(Object.keys(xmm.derived), ['logFxFo', 'colour_BP_RP', 'colour_W1_W2']);
    assert.deepEqual(evaluateClues(xmm, { 'F_x/F_o': 0.5 }).AGN.map((m) => m.text), ['X-ray to optical ratio typical of AGN']);
  });

  it('higgsml: GeV units, an event plot, s and b named, and the MMC clue on -999-aware values', async () => {
    const def = await loadChallengeFolder('datasets/higgsml');
    const crowd = def.crowd!;
    assert.deepEqual(crowd.features.map((g) => g.label), ['Derived quantities (DER)', 'Primitive quantities (PRI)']);
    const unit = (col: string) => crowd.features.flatMap((g) => g.columns).find((f) => f.column === col)?.unit;
    assert.equal(unit('DER_mass_MMC'), 'GeV');
    assert.equal(unit('PRI_tau_eta'), undefined);
    assert.ok(crowd.plots.some((p) => p.kind === 'event'));
    assert.deepEqual(crowd.classes.map((c) => [c.name, c.display]), [['s', 'Higgs signal'], ['b', 'Background']]);
    assert.deepEqual(evaluateClues(crowd, { DER_mass_MMC: 124 }).s.map((m) => m.cited), ['DER_mass_MMC is 124 GeV, between 110 and 140 GeV: close to the Higgs mass of 125 GeV']);
    assert.deepEqual(evaluateClues(crowd, { DER_mass_MMC: -999 }).b, [], 'an undefined mass matches no clue');
  });
});
