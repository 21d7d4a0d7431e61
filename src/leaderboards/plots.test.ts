import assert from 'node:assert/strict';
import { bestSoFar, binOf, histogramBins, histogramSvg, historySvg } from './plots.js';

const tickY = (svg: string, value: number) => Number(new RegExp(`<text x="[\\d.]+" y="([\\d.]+)"[^>]*class="y-tick" data-value="${value}"`).exec(svg)![1]) - 3.5;
const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T00:00:00.000Z`;

describe('bestSoFar', () => {
  const scores = [
    { at: at(4), score: 0.5 },
    { at: at(1), score: 0.4 },
    { at: at(2), score: 0.3 },
    { at: at(3), score: 0.7 },
  ];
  it('keeps the scores that beat every earlier one, in time order', () => {
    assert.deepEqual(bestSoFar(scores, true).map((s) => s.score), [0.4, 0.7]);
  });
  it('takes the lowest as best when lower is better', () => {
    assert.deepEqual(bestSoFar(scores, false).map((s) => s.score), [0.4, 0.3]);
  });
});

describe('historySvg', () => {
  const top = [
    { at: at(1), score: 0.2 },
    { at: at(3), score: 0.6 },
    { at: at(5), score: 0.4 },
  ];
  const baseline = [{ at: at(1), score: 0.3 }];
  const svg = historySvg({ top, baseline }, { end: at(9), metric: 'accuracy', higherIsBetter: true });

  it('draws the running best as a step line ending at the best score, extended to the end', () => {
    const m = /<path d="([^"]+)"[^>]*class="history-line" data-series="Top score" data-last-score="([\d.]+)"/.exec(svg)!;
    assert.equal(Number(m[2]), 0.6);
    const moves = [...m[1].matchAll(/[MHV][\d.,]+/g)].map((x) => x[0]);
    assert.deepEqual(moves.map((x) => x[0]), ['M', 'H', 'V', 'H']);
    // The last vertical move lands on the 0.6 tick: the step line's level is the best score.
    assert.ok(Math.abs(Number(moves[2].slice(1)) - tickY(svg, 0.6)) <= 0.1);
    const steps = [...svg.matchAll(/class="history-step" data-series="Top score" data-score="([\d.]+)"/g)].map((x) => Number(x[1]));
    assert.deepEqual(steps, [0.2, 0.6]);
  });

  it('draws the Baseline separately, dashed, and says what it shows', () => {
    assert.match(svg, /<path d="[^"]+" fill="none" stroke="#000000" stroke-width="2" stroke-dasharray="6 3" class="history-line" data-series="Baseline" data-last-score="0.3"/);
    assert.match(svg, /aria-label="How the top public accuracy moved over the challenge, with the Baseline"/);
    assert.equal(historySvg({ top: [], baseline: [] }, { end: at(9), metric: 'accuracy', higherIsBetter: true }), '');
  });

  it('steps down when lower is better', () => {
    const loss = historySvg({ top, baseline: [] }, { end: at(9), metric: 'log loss', higherIsBetter: false });
    assert.match(loss, /data-series="Top score" data-last-score="0.2"/);
  });
});

describe('histogramBins and histogramSvg', () => {
  const scores = [0.1, 0.15, 0.22, 0.25, 0.28, 0.55, 0.9];
  it('covers every score with equal nice bins, an inner edge going to the bin above', () => {
    const bins = histogramBins(scores);
    assert.equal(bins.reduce((n, b) => n + b.count, 0), scores.length);
    assert.ok(bins[0].lo <= 0.1 && bins[bins.length - 1].hi >= 0.9);
    const width = bins[0].hi - bins[0].lo;
    for (const b of bins) assert.ok(Math.abs(b.hi - b.lo - width) < 1e-9);
    const i = binOf(bins, 0.2);
    assert.equal(bins[i].lo, 0.2);
    assert.equal(binOf(bins, bins[bins.length - 1].hi), bins.length - 1);
  });

  it("marks the viewer's score inside their bin", () => {
    const svg = histogramSvg(scores, { mine: 0.25, metric: 'accuracy', higherIsBetter: true });
    const mine = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*class="bin mine" data-lo="([\d.]+)" data-hi="([\d.]+)" data-count="(\d+)"/.exec(svg)!;
    assert.ok(Number(mine[3]) <= 0.25 && 0.25 < Number(mine[4]));
    assert.equal(Number(mine[5]), 3);
    const marker = Number(/<line x1="([\d.]+)"[^>]*class="mine-marker" data-score="0.25"/.exec(svg)![1]);
    assert.ok(marker >= Number(mine[1]) && marker <= Number(mine[1]) + Number(mine[2]) + 2);
    assert.equal([...svg.matchAll(/class="bin mine"/g)].length, 1);
    assert.match(svg, /<desc>[^<]*your score 0.25 falls in 0.2 to 0.4/);
  });

  it('bar heights follow the counts; no marker without a row of the viewer', () => {
    const svg = histogramSvg(scores, { mine: null, metric: 'accuracy', higherIsBetter: true });
    assert.doesNotMatch(svg, /mine-marker|class="bin mine"/);
    const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*data-count="(\d+)"/g)].map((m) => ({ h: Number(m[2]), n: Number(m[3]) }));
    const one = bars.find((b) => b.n === 1)!;
    for (const b of bars) assert.ok(Math.abs(b.h - b.n * one.h) <= 0.2);
  });
});
