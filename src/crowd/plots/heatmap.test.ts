import assert from 'node:assert/strict';
import { ABSTAIN, claxsonTable } from '../../../scorers/claxson.js';
import { confusionHeatmapSvg } from './heatmap.js';

const texts = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`class="${cls}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);
const cellFills = (svg: string) =>
  [...svg.matchAll(/<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*class="cell" data-predicted="(\d+)" data-true="(\d+)"/g)].map((m) => ({ fill: m[1], p: Number(m[2]), t: Number(m[3]) }));

describe('confusionHeatmapSvg', () => {
  // the hand-checked case of scorers/claxson.test.ts: counts [[3,2,0],[0,0,0],[1,1,0]], two abstentions
  const truth = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0]);
  const pred = Int32Array.from([0, 0, 0, 2, 0, 0, 2, ABSTAIN, ABSTAIN]);
  const table = claxsonTable(pred, truth, 3);
  const svg = confusionHeatmapSvg(table, ['AGN', 'Star', 'XRB'], { title: 'Crowd (Dawid–Skene), unknown sources' });

  it('draws one cell per (predicted, true) pair with its count, row by row', () => {
    assert.equal(cellFills(svg).length, 9);
    assert.deepEqual(cellFills(svg).map((c) => [c.p, c.t]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]]);
    assert.deepEqual(texts(svg, 'count'), ['3', '2', '0', '0', '0', '0', '1', '1', '0']);
  });

  it('writes precision in the right margin and recall in the bottom margin, "—" where undefined', () => {
    assert.deepEqual(texts(svg, 'precision'), ['0.60', '—', '0.00']);
    assert.deepEqual(texts(svg, 'recall'), ['0.75', '0.00', '—']);
    assert.match(svg, /class="accuracy"><title>accuracy<\/title>acc 0.43</);
  });

  it('labels the axes, the shading and the abstentions', () => {
    assert.match(svg, /class="axis-label"[^>]*>true</);
    assert.match(svg, /class="axis-label"[^>]*>predicted</);
    assert.match(svg, /Shade: share of its true class \(column\); columns sum to 100%/);
    assert.match(svg, /7 subjects labelled; 2 without a label \(abstentions\) not counted/);
    assert.match(svg, /^<svg [^>]*role="img" aria-label="Crowd \(Dawid–Skene\), unknown sources: confusion heatmap, rows predicted class, columns true class"[^>]*><title>Crowd/);
  });

  it('shades by column or row share on the given colour scale, and leaves empty shares grey', () => {
    const perfect = claxsonTable(Int32Array.from([0, 1, 1]), Int32Array.from([0, 1, 1]), 2);
    const colours = { low: '#ffffff', high: '#000000' };
    const fills = cellFills(confusionHeatmapSvg(perfect, ['a', 'b'], { title: 't', colours })).map((c) => c.fill);
    assert.deepEqual(fills, ['#000000', '#ffffff', '#ffffff', '#000000']);
    // white count on the black diagonal
    assert.match(confusionHeatmapSvg(perfect, ['a', 'b'], { title: 't', colours }), /fill="#ffffff" class="count">1</);

    // column mode: predicted 0 holds 3 of the 4 true-0 subjects; row mode: 3 of the 5 predicted-0 subjects
    const byColumn = cellFills(confusionHeatmapSvg(table, ['a', 'b', 'c'], { title: 't', colours }));
    const byRow = confusionHeatmapSvg(table, ['a', 'b', 'c'], { title: 't', colours, normalise: 'row' });
    const grey = (share: number) => `#${Math.round(255 * (1 - share)).toString(16).padStart(2, '0').repeat(3)}`;
    assert.equal(byColumn[0].fill, grey(3 / 4));
    assert.equal(cellFills(byRow)[0].fill, grey(3 / 5));
    assert.match(byRow, /Shade: share of its predicted class \(row\); rows sum to 100%/);
    // the XRB column has no subject, and the row of a class never predicted has no share
    assert.equal(byColumn[2].fill, '#f4f4f4');
    assert.equal(cellFills(byRow)[3].fill, '#f4f4f4');
  });

  it('escapes class names and titles', () => {
    const hostile = confusionHeatmapSvg(table, ['<script>x</script>', 'A&B', '"q\''], { title: '<b>t</b>' });
    assert.doesNotMatch(hostile, /<script>|<b>|A&B|"q'/);
    assert.match(hostile, /&lt;script&gt;/);
    assert.match(hostile, /A&amp;B/);
    assert.match(hostile, /&quot;q&#39;/);
  });

  it('is deterministic and refuses bad arguments', () => {
    assert.equal(confusionHeatmapSvg(table, ['AGN', 'Star', 'XRB'], { title: 'Crowd (Dawid–Skene), unknown sources' }), svg);
    assert.throws(() => confusionHeatmapSvg(table, ['a', 'b'], { title: 't' }), /2 class names for a table of 3/);
    assert.throws(() => confusionHeatmapSvg(table, ['a', 'b', 'c'], { title: 't', colours: { high: 'red"/><script>' } }), /#rrggbb/);
  });
});
