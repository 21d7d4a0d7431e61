import assert from 'node:assert/strict';
import { confusionHeatmapSvg } from './heatmap.js';

const cells = (svg: string) =>
  [...svg.matchAll(/<g class="cell[^"]*" data-true="([^"]*)" data-predicted="([^"]*)" data-count="(\d+)" data-share="([^"]*)">[\s\S]*?fill="(#[0-9a-f]{6})"/g)].map((m) => ({ t: m[1], p: m[2], count: Number(m[3]), share: m[4] === '' ? NaN : Number(m[4]), fill: m[5] }));

describe('confusionHeatmapSvg', () => {
  it('draws one cell per class pair, coloured and labelled by the share of the true class (row)', () => {
    const svg = confusionHeatmapSvg(['b', 's'], [[30, 10], [5, 15]], { subset: 'public' });
    const got = cells(svg);
    assert.deepEqual(got.map((c) => [c.t, c.p, c.count, c.share]), [['b', 'b', 30, 0.75], ['b', 's', 10, 0.25], ['s', 'b', 5, 0.25], ['s', 's', 15, 0.75]]);
    // The same share, the same colour; a larger share is darker.
    assert.equal(got[0].fill, got[3].fill);
    assert.equal(got[1].fill, got[2].fill);
    assert.ok(parseInt(got[0].fill.slice(1, 3), 16) < parseInt(got[1].fill.slice(1, 3), 16));
    assert.match(svg, />30<\/text><text[^>]*>75\.0%<\/text>/);
    assert.match(svg, /role="img" aria-label="Confusion matrix of the public subset: 2 classes/);
    assert.match(svg, /<desc>45 of 60 rows are on the diagonal/);
  });

  it('works for many classes, escapes class names, and leaves an empty true class grey', () => {
    const classes = ['A<B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const m = classes.map((_, t) => classes.map((__, p) => (t === 2 ? 0 : t === p ? 5 : 1)));
    const svg = confusionHeatmapSvg(classes, m, { subset: 'private' });
    assert.equal(cells(svg).length, 49);
    assert.match(svg, /data-true="A&lt;B"/);
    assert.doesNotMatch(svg, /A<B/);
    assert.ok(cells(svg).filter((c) => c.t === 'D').every((c) => Number.isNaN(c.share) && c.fill === '#f3f4f6'));
  });

  it('draws nothing for a matrix that does not match its classes', () => {
    assert.equal(confusionHeatmapSvg(['a', 'b'], [[1, 2]], { subset: 'public' }), '');
    assert.equal(confusionHeatmapSvg([], [], { subset: 'public' }), '');
  });
});
