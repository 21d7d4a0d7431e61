import assert from 'node:assert/strict';
import { checkCrowdConfig, crowdPath, parseCrowdConfig, type CrowdConfig } from './schema.js';

const VALID = {
  missing_values: [-999],
  features: [
    { label: 'X-rays', columns: [{ column: 'F1', label: 'Flux 0.2–0.5 keV', unit: 'erg/cm²/s', format: 'sci:2' }, { column: 'HR1', format: 'fixed:2', hint: 'positive = harder' }] },
    { label: 'Counts', columns: [{ column: 'n', format: 'int' }, { column: 'flag', format: 'text' }] },
  ],
  plots: [
    { kind: 'spectrum', bands: [{ column: 'F1', lo: 0.2, hi: 0.5 }, { column: 'F2', lo: 0.5, hi: 1 }] },
    { kind: 'sky', ra: 'ra', dec: 'dec' },
    { kind: 'event' },
    { kind: 'histograms', columns: ['F1', 'HR1'] },
  ],
  classes: [{ name: 'AGN', display: 'Active galaxy', colour: '#0072b2', key: 'a' }, { name: 'Star', key: 2 }],
  clues: { AGN: [{ column: 'logFxFo', between: [-1, 1], text: 'X-ray to optical ratio typical of AGN' }], Star: [{ column: 'RPlx', above: 5, text: 'a parallax' }, { column: 'HR1', below: -0.5, text: 'soft' }] },
};

function parsed(raw: unknown): CrowdConfig {
  const r = parseCrowdConfig(raw);
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  return r.config;
}
function problems(raw: unknown): string[] {
  const r = parseCrowdConfig(raw);
  assert.ok(!r.ok, 'expected problems');
  return r.problems;
}
const withEdit = (edit: (c: typeof VALID & Record<string, unknown>) => void) => {
  const c = structuredClone(VALID) as typeof VALID & Record<string, unknown>;
  edit(c);
  return c;
};

describe('crowd/display/schema: parseCrowdConfig', () => {
  it('accepts a full configuration and fills the defaults of each plot kind', () => {
    const c = parsed(VALID);
    assert.deepEqual(c.missing_values, [-999]);
    assert.equal(c.features[1].columns[0].format, 'int');
    assert.deepEqual(c.plots[0], { kind: 'spectrum', unit: 'erg/cm²/s', energy_unit: 'keV', bands: VALID.plots[0].bands });
    assert.deepEqual(c.plots[2], { kind: 'event', prefix: 'PRI_' });
    assert.deepEqual(c.plots[3], { kind: 'histograms', columns: ['F1', 'HR1'], bins: 20 });
    assert.equal(c.classes[1].key, '2', 'a YAML number key becomes its character');
    assert.deepEqual(c.clues.AGN[0].between, [-1, 1]);
  });

  it('takes an empty or null section as empty lists, with ids hidden', () => {
    assert.deepEqual(parsed(null), { derived: {}, missing_values: [], show_id: false, features: [], plots: [], classes: [], clues: {} });
    assert.equal(parsed({ show_id: true }).show_id, true);
    assert.deepEqual(problems({ show_id: 'yes' }), ['crowd.show_id: must be true or false']);
    assert.deepEqual(parsed({}), parsed(null));
  });

  it('names the path of a key used twice, and of a class listed twice', () => {
    const raw = withEdit((c) => {
      (c.classes as unknown[]).push({ name: 'XRB', key: 'a' }, { name: 'Star' });
    });
    assert.deepEqual(problems(raw), ['crowd.classes[2].key: used twice ("a")', 'crowd.classes[3].name: used twice ("Star")']);
  });

  it('refuses bad colours, long keys, unknown number formats and unknown keys', () => {
    const raw = withEdit((c) => {
      c.classes[0].colour = 'blue';
      c.classes[1].key = 'ab' as never;
      (c.features[0].columns[0] as Record<string, unknown>).format = 'fixed:9';
      (c.features[0].columns[1] as Record<string, unknown>).colour = 'red';
      c.extra = 1;
    });
    assert.deepEqual(problems(raw).sort(), [
      'crowd.classes[0].colour: must be a colour #rrggbb',
      'crowd.classes[1].key: must be exactly one character',
      'crowd.extra: unknown key',
      'crowd.features[0].columns[0].format: must be auto, int, text, flag, fixed:N or sci:N (N from 0 to 6)',
      'crowd.features[0].columns[1].colour: unknown key',
    ]);
  });

  it('refuses a group without columns or label, and wrong types', () => {
    assert.deepEqual(problems({ features: [{ label: ' ', columns: [] }] }).sort(), ['crowd.features[0].columns: must list at least one column', 'crowd.features[0].label: must not be empty']);
    assert.deepEqual(problems({ features: [{ columns: [{ column: 'x' }] }] }), ['crowd.features[0].label: is required']);
    assert.deepEqual(problems({ plots: 'sky' }), ['crowd.plots: must be a list']);
    assert.deepEqual(problems({ clues: { AGN: [{ column: 'x', above: 'high', text: 't' }] } }), ['crowd.clues.AGN[0].above: must be a number']);
  });

  it('checks each plot kind: unknown kinds, band edges and order, missing sky columns, histogram size', () => {
    assert.deepEqual(problems({ plots: [{ kind: 'pie' }] }), ['crowd.plots[0].kind: must be one of spectrum, sky, event, histograms']);
    assert.deepEqual(problems({ plots: [{ kind: 'spectrum', bands: [{ column: 'a', lo: 1, hi: 2 }] }] }), ['crowd.plots[0].bands: must list at least 2 bands']);
    assert.deepEqual(problems({ plots: [{ kind: 'spectrum', bands: [{ column: 'a', lo: 1, hi: 2 }, { column: 'b', lo: 3, hi: 3 }] }] }), ['crowd.plots[0].bands[1].hi: must be above lo (3)']);
    assert.deepEqual(problems({ plots: [{ kind: 'spectrum', bands: [{ column: 'a', lo: 1, hi: 2 }, { column: 'b', lo: 1.5, hi: 3 }] }] }), [
      "crowd.plots[0].bands[1].lo: must not be below the previous band's hi (2): list bands from low to high energy without overlap",
    ]);
    assert.deepEqual(problems({ plots: [{ kind: 'sky', ra: 'ra' }] }), ['crowd.plots[0].dec: is required']);
    assert.deepEqual(problems({ plots: [{ kind: 'histograms', columns: [] }] }), ['crowd.plots[0].columns: must list at least one column']);
    assert.deepEqual(problems({ plots: [{ kind: 'histograms', columns: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }] }), ['crowd.plots[0].columns: must list at most 8 columns']);
    assert.deepEqual(problems({ plots: [{ kind: 'histograms', columns: ['a'], bins: 2 }] }), ['crowd.plots[0].bins: must be at least 5']);
  });

  it('needs exactly one condition per clue rule, with low <= high', () => {
    assert.deepEqual(problems({ clues: { AGN: [{ column: 'x', text: 't' }] } }), ['crowd.clues.AGN[0]: needs exactly one of between, above, below, present (got none)']);
    assert.deepEqual(problems({ clues: { AGN: [{ column: 'x', above: 1, below: 2, text: 't' }] } }), ['crowd.clues.AGN[0]: needs exactly one of between, above, below, present (got above, below)']);
    assert.deepEqual(problems({ clues: { AGN: [{ column: 'x', between: [2, 1], text: 't' }] } }), ['crowd.clues.AGN[0].between: low (2) must not be above high (1)']);
    assert.deepEqual(problems({ clues: { AGN: [{ column: 'x', between: [1], text: 't' }] } }), ['crowd.clues.AGN[0].between: must be a list of two numbers [low, high]']);
    assert.deepEqual(problems({ clues: { AGN: [{ column: 'x', below: 1 }] } }), ['crowd.clues.AGN[0].text: is required']);
  });

  it('checks derived values: one known formula each', () => {
    const c = parsed({ derived: { hr: { hardness: ['s', 'h'] }, logr: { log10: 'r' }, col: { difference: ['a', 'b'] }, fxo: { xray_to_optical: { fluxes: ['s', 'h'], mag: 'G' } } } });
    assert.deepEqual(Object.keys(c.derived), ['hr', 'logr', 'col', 'fxo']);
    assert.deepEqual(problems({ derived: { hr: { ratio: ['s', 'h'] } } }), [
      'crowd.derived.hr: must be one of { difference: [a, b] }, { hardness: [soft, hard] }, { log10: a }, { xray_to_optical: { fluxes, mag } }',
    ]);
  });

  it('takes an optional tutorial of { title, text } steps, and names what is wrong in a step', () => {
    assert.equal(parsed(VALID).tutorial, undefined);
    const steps = [{ title: 'What you see', text: 'A spectrum and a sky map.' }, { title: 'The classes', text: 'AGN are distant galaxies.\n\nStars are near.' }];
    assert.deepEqual(parsed({ ...VALID, tutorial: steps }).tutorial, steps);
    assert.deepEqual(problems({ tutorial: [{ title: 'Only a title' }, { title: ' ', text: 'x', extra: 1 }, 'a step'] }).sort(), [
      'crowd.tutorial[0].text: is required',
      'crowd.tutorial[1].extra: unknown key',
      'crowd.tutorial[1].title: must not be empty',
      'crowd.tutorial[2]: must be a mapping, got string',
    ]);
    assert.deepEqual(problems({ tutorial: [] }), ['crowd.tutorial: must list at least one step']);
    assert.deepEqual(problems({ tutorial: 'read the guide' }), ['crowd.tutorial: must be a list of steps { title, text }']);
  });

  it('takes a field guide as a bare markdown file name, never a path out of the folder', () => {
    assert.equal(parsed(withEdit((c) => (c.field_guide = 'field-guide.md'))).field_guide, 'field-guide.md');
    assert.equal(parsed(VALID).field_guide, undefined);
    for (const bad of ['../secret.md', '/etc/passwd.md', 'guides/higgs.md', 'guide.txt', '.hidden.md', 'a\\b.md']) {
      const [line] = problems(withEdit((c) => (c.field_guide = bad)));
      assert.match(line, /^crowd\.field_guide: must be the name of a markdown file in the challenge folder/, bad);
    }
    assert.deepEqual(problems(withEdit((c) => (c.field_guide = 7 as never))), ['crowd.field_guide: must be a file name']);
  });

  it('writes paths as in the YAML', () => {
    assert.equal(crowdPath(['classes', 2, 'key']), 'crowd.classes[2].key');
    assert.equal(crowdPath([]), 'crowd');
  });
});

describe('crowd/display/schema: checkCrowdConfig', () => {
  const columns = ['name', 'F1', 'F2', 'HR1', 'n', 'flag', 'ra', 'dec', 'logFxFo', 'RPlx', 'PRI_tau_pt'];
  const classes = ['AGN', 'Star', 'XRB'];

  it('finds nothing wrong when every name exists', () => {
    assert.deepEqual(checkCrowdConfig(parsed(VALID), { columns, classes }), []);
  });

  it('names every column and class the challenge does not have', () => {
    const c = parsed(
      withEdit((c) => {
        c.features[0].columns[0].column = 'F9';
        c.plots[0].bands![1].column = 'Class';
        c.plots[1].dec = 'decl';
        c.plots[3].columns![1] = 'HR9';
        c.classes[1].name = 'Galaxy';
        (c.clues as Record<string, unknown>).QSO = [{ column: 'logFxFo', above: 1, text: 't' }];
        c.clues.Star[0].column = 'parallax';
      }),
    );
    assert.deepEqual(checkCrowdConfig(c, { columns, classes }), [
      `crowd.features[0].columns[0].column: no column "F9" in the challenge's test data`,
      `crowd.plots[0].bands[1].column: no column "Class" in the challenge's test data`,
      `crowd.plots[1].dec: no column "decl" in the challenge's test data`,
      `crowd.plots[3].columns[1]: no column "HR9" in the challenge's test data`,
      `crowd.classes[1].name: "Galaxy" is not one of the challenge's classes (AGN, Star, XRB)`,
      `crowd.clues.Star[0].column: no column "parallax" in the challenge's test data`,
      `crowd.clues.QSO: "QSO" is not one of the challenge's classes (AGN, Star, XRB)`,
    ]);
  });

  it('takes derived names as columns, and checks their inputs and that they do not shadow a column', () => {
    const c = parsed({ derived: { logRatio: { log10: 'fxo' }, F1: { difference: ['F1', 'F2'] } }, features: [{ label: 'g', columns: [{ column: 'logRatio' }] }], clues: { AGN: [{ column: 'logRatio', above: 0, text: 't' }] } });
    assert.deepEqual(checkCrowdConfig(c, { columns, classes }), [
      `crowd.derived.logRatio: no column "fxo" in the challenge's test data`,
      `crowd.derived.F1: "F1" is already a column of the challenge; choose another name`,
    ]);
  });

  it('needs a column with the event prefix for an event plot', () => {
    const c = parsed({ plots: [{ kind: 'event', prefix: 'PRI_' }] });
    assert.deepEqual(checkCrowdConfig(c, { columns: ['x1', 'x2'], classes }), ['crowd.plots[0].prefix: no column starts with "PRI_"']);
  });
});
