import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cell, type Features } from '../features.js';
import { readCsvRecords } from '../setup.js';
import { classButtonsOf, formatValue, renderSubject } from './render.js';
import { classButtons, resolveCrowdDisplay } from './store.js';
import { binOf, classHistograms, histogramSvg } from './histograms.js';
import type { Challenge } from '../../challenges/repo.js';
import { openStorage } from '../../storage/index.js';

const repo = new URL('../../../../', import.meta.url).pathname;
/** The repository's own folders as storage: datasets/<slug> is then a challenge's folder key. */
const repoFiles = openStorage(undefined, repo);
const XRAY_CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];

/** The fields of a Challenge that resolving a display reads, for a folder of datasets/. */
const datasetChallenge = (slug: string, over: Partial<Challenge> = {}) =>
  ({ folder_key: `datasets/${slug}`, test_file: 'test.csv.gz', train_file: 'train.csv.gz', classes: XRAY_CLASSES, id_column: 'name', target_column: 'Class', weight_column: null, ...over }) as Challenge;

describe('crowd display: rendering a subject from the configuration', function () {
  // Reads the demo data files (up to 50,000 training rows each).
  this.timeout(60_000);
  it('formats values as each feature declares, with a true minus sign and "—" for missing', () => {
    assert.equal(formatValue(-0.456, { format: 'fixed:2' }), '−0.46');
    assert.equal(formatValue(1.23e-14, { format: 'sci:2', unit: 'erg/cm²/s' }), '1.23e-14 erg/cm²/s');
    assert.equal(formatValue(2.6, { format: 'int' }), '3');
    assert.equal(formatValue(-999, { format: 'fixed:2', unit: 'GeV' }, [-999]), '—');
    assert.equal(formatValue(null, {}), '—');
    assert.equal(formatValue(123456, {}), '1.23e+5');
    assert.equal(formatValue('t', { format: 'flag' }), 'yes');
    assert.equal(formatValue('F', { format: 'flag' }), 'no');
    assert.equal(formatValue('maybe', { format: 'text' }), 'maybe');
  });

  it('keeps everything the hard-coded X-ray card showed (40 real subjects of each catalogue)', async () => {
    const before = JSON.parse(fs.readFileSync(`${repo}test/fixtures/crowd/xray-cards-before.json`, 'utf8')) as Record<string, { idColumn: string; cards: Array<{ id: string; card: Array<{ title: string; rows: [string, string][] }> }> }>;
    for (const [slug, { idColumn, cards }] of Object.entries(before)) {
      const display = await resolveCrowdDisplay(repoFiles, datasetChallenge(slug));
      assert.equal(display.source, 'challenge.yaml');
      const rows = new Map(readCsvRecords(`${repo}datasets/${slug}/test.csv.gz`).map((r) => [r[idColumn], r]));
      let compared = 0;
      for (const { id, card } of cards) {
        const values: Features = Object.fromEntries(Object.entries(rows.get(id)!).map(([k, v]) => [k, cell(v)]));
        const view = renderSubject(display, { id: 1, name: id, values });
        assert.deepEqual(view.plots.map((p) => p.kind), ['spectrum', 'sky']);
        for (const group of card) {
          const now = view.groups.find((g) => g.title === group.title);
          assert.ok(now, `${slug}: group ${group.title}`);
          for (const [label, value] of group.rows) {
            const row: { value: string } | undefined = now.rows.find((r) => r.label === label);
            assert.ok(row, `${slug} ${id}: row ${label}`);
            assert.equal(row.value, value.replace(/^-/, '−'), `${slug} ${id}: ${label}`);
            compared++;
          }
        }
      }
      assert.ok(compared > 40 * 15, `${slug}: ${compared} values compared`);
    }
  });

  it('draws the HiggsML event display with its derived-quantities panel, and no -999 as a value', async () => {
    const display = await resolveCrowdDisplay(repoFiles, datasetChallenge('higgsml', { classes: ['s', 'b'], id_column: 'EventId', target_column: 'Label', weight_column: 'Weight' }));
    const header = 'EventId,DER_mass_MMC,DER_mass_transverse_met_lep,DER_mass_vis,DER_pt_h,DER_deltar_tau_lep,PRI_tau_pt,PRI_tau_eta,PRI_tau_phi,PRI_lep_pt,PRI_lep_eta,PRI_lep_phi,PRI_met,PRI_met_phi,PRI_jet_num,PRI_jet_leading_pt,PRI_jet_leading_eta,PRI_jet_leading_phi'.split(',');
    const cells = '350000,124.5,20.1,80.2,40.3,2.9,35.2,0.5,1.2,40.1,-0.3,-2.0,25.5,3.0,0,-999,-999,-999'.split(',');
    const values: Features = Object.fromEntries(header.map((h, i) => [h, cell(cells[i])]));
    const view = renderSubject(display, { id: 9, name: '350000', values });
    assert.equal(view.name, 'Subject 9', 'EventIds would tell training events from test events');
    const event = view.plots.find((p) => p.kind === 'event')!;
    assert.equal(event.figures.length, 2);
    assert.match(event.figures[0].caption, /no jets/);
    assert.doesNotMatch(event.figures[0].svg, /leading-jet/, 'an absent jet is not drawn');
    assert.equal(event.side!.find((r) => r.column === 'DER_mass_MMC')!.value, '124.5 GeV');
    const jet = view.groups.flatMap((g) => g.rows).find((r) => r.column === 'PRI_jet_leading_pt')!;
    assert.equal(jet.value, '—');
    const histograms = view.plots.find((p) => p.kind === 'histograms')!;
    assert.equal(histograms.figures.length, 4);
    assert.deepEqual(histograms.legend, [{ label: 'Higgs signal', colour: '#d55e00' }, { label: 'Background', colour: '#0072b2' }]);
    assert.deepEqual(classButtonsOf(display).map((b) => [b.name, b.label, b.key]), [['s', 'Higgs signal', 's'], ['b', 'Background', 'b']]);
  });

  it('gives every class a button in the challenge order, keeping the configured styles and free default keys', () => {
    const buttons = classButtons({ classes: [{ name: 'b', display: 'Bee', colour: '#112233', key: '1' }] }, ['a', 'b', 'c']);
    assert.deepEqual(buttons.map((b) => [b.name, b.display, b.key]), [['a', undefined, undefined], ['b', 'Bee', '1'], ['c', undefined, '3']]);
    assert.equal(buttons[1].colour, '#112233');
  });
});

describe('crowd display: class histograms', () => {
  const rows = [
    ...Array.from({ length: 50 }, (_, i) => ({ x: i / 10, f: 10 ** (-15 + i / 10), y: 'a' })),
    ...Array.from({ length: 10 }, (_, i) => ({ x: 3 + i / 10, f: 10 ** (-12 + i / 10), y: 'b' })),
  ];
  const [hx, hf] = classHistograms(rows, ['x', 'f'], { targetColumn: 'y', classes: ['a', 'b'], bins: 10, config: { derived: {}, missing_values: [] } });

  it('counts each class apart, every row in some bin, and bins a column spanning decades in log10', () => {
    assert.deepEqual(hx.classes.map((c) => [c.name, c.total, c.counts.reduce((s, n) => s + n, 0)]), [['a', 50, 50], ['b', 10, 10]]);
    assert.equal(hx.log, false);
    assert.equal(hf.log, true);
    assert.ok(hf.edges[0] > -15.1 && hf.edges[10] < -10, `${hf.edges[0]}..${hf.edges[10]}`);
    // class b sits in the top end of x
    assert.equal(hx.classes[1].counts.slice(0, 5).reduce((s, n) => s + n, 0), 0);
  });

  it('puts values beyond the edges in the end bins and marks the subject', () => {
    assert.equal(binOf([0, 1, 2], -5), 0);
    assert.equal(binOf([0, 1, 2], 5), 1);
    assert.equal(binOf([0, 1, 2], 1.5), 1);
    const svg = histogramSvg(hx, { label: 'x', colours: { a: '#000001', b: '#000002' }, names: { a: 'A', b: 'B' }, value: 4.2, valueText: '4.2' });
    const line = /<line x1="([\d.]+)"[^>]*data-testid="subject-value"/.exec(svg);
    assert.ok(line, 'the subject is marked');
    const lo = hx.edges[0], hi = hx.edges[hx.edges.length - 1];
    assert.ok(Math.abs(Number(line[1]) - (8 + ((4.2 - lo) / (hi - lo)) * 284)) < 0.2);
    assert.match(histogramSvg(hx, { label: 'x', colours: {}, names: {}, value: null, valueText: '—' }), /not measured for this subject/);
  });
});
