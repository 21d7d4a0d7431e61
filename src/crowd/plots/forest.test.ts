import assert from 'node:assert/strict';
import { bootstrapIntervals } from '../../../scorers/bootstrap.js';
import { forestPlotSvg, forestRowsOf, type ForestRow } from './forest.js';

const rows: ForestRow[] = [
  { label: 'AGN', method: 'crowd', estimate: 0.82, lo: 0.75, hi: 0.88 },
  { label: 'AGN', method: 'best ML', estimate: 0.9, lo: 0.86, hi: 0.93 },
  { label: 'XRB', method: 'crowd', estimate: 0.61, lo: 0.4, hi: 0.77 },
  { label: 'XRB', method: 'best ML', estimate: 0.35, lo: 0.1, hi: 0.52 },
  { label: 'CV', method: 'crowd', estimate: null, lo: null, hi: null },
  { label: 'CV', method: 'best ML', estimate: 0.2, lo: -0.1, hi: 1.4 },
];

/** The x of each tick on the axis, by its value. */
const ticks = (svg: string) => new Map([...svg.matchAll(/<line x1="([\d.]+)"[^>]*class="tick" data-value="([-\d.]+)"/g)].map((m) => [Number(m[2]), Number(m[1])]));
const whiskers = (svg: string) => [...svg.matchAll(/<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)"[^>]*class="whisker" data-method="(\d)"/g)].map((m) => ({ x1: Number(m[1]), x2: Number(m[2]), y: Number(m[3]), method: Number(m[4]) }));
const estimates = (svg: string) => [...svg.matchAll(/<(circle|rect|polygon) [^>]*fill="(#[0-9A-Fa-f]{6})" class="estimate" data-method="(\d)"><title>([^<]*)</g)].map((m) => ({ tag: m[1], fill: m[2], method: Number(m[3]), title: m[4] }));

describe('forestPlotSvg', () => {
  const svg = forestPlotSvg(rows, { title: 'Per-class F1, crowd and ML' });

  it('has an axis from 0 to 1 with ticks every 0.2', () => {
    assert.deepEqual([...ticks(svg).keys()], [0, 0.2, 0.4, 0.6, 0.8, 1]);
    const x = [...ticks(svg).values()];
    for (let i = 1; i < x.length; i++) assert.ok(Math.abs(x[i] - x[i - 1] - (x[1] - x[0])) < 0.11, 'evenly spaced');
    assert.match(svg, /class="axis-label">F1</);
  });

  it('draws each interval as a whisker from lo to hi on the axis scale, out-of-range ends at the edge', () => {
    const t = ticks(svg);
    const scale = (v: number) => t.get(0)! + v * (t.get(1)! - t.get(0)!);
    const drawn = whiskers(svg);
    assert.equal(drawn.length, 5);
    const expected = [[0.75, 0.88], [0.86, 0.93], [0.4, 0.77], [0.1, 0.52], [0, 1]];
    drawn.forEach((w, i) => {
      assert.ok(Math.abs(w.x1 - scale(expected[i][0])) <= 0.1, `row ${i} lo: ${w.x1} vs ${scale(expected[i][0])}`);
      assert.ok(Math.abs(w.x2 - scale(expected[i][1])) <= 0.1, `row ${i} hi: ${w.x2} vs ${scale(expected[i][1])}`);
    });
    // crowd and ML of one class sit on separate lines, classes one below the other
    assert.ok(drawn[0].y < drawn[1].y && drawn[1].y < drawn[2].y);
  });

  it('marks each method with its own shape and colour, named in the legend', () => {
    const marks = estimates(svg);
    assert.equal(marks.length, 5);
    const crowd = marks.filter((m) => m.method === 0);
    const ml = marks.filter((m) => m.method === 1);
    assert.deepEqual(crowd.map((m) => m.title), ['AGN, crowd: 0.82 [0.75, 0.88]', 'XRB, crowd: 0.61 [0.40, 0.77]']);
    assert.ok(crowd.every((m) => m.tag === 'circle' && m.fill === crowd[0].fill));
    assert.ok(ml.every((m) => m.tag === 'rect' && m.fill === ml[0].fill));
    assert.notEqual(crowd[0].fill, ml[0].fill);
    assert.match(svg, /<circle [^>]*class="legend-marker"><\/circle><text [^>]*class="legend-label">crowd</);
    assert.match(svg, /<rect [^>]*class="legend-marker"><\/rect><text [^>]*class="legend-label">best ML</);
  });

  it('says n/a for an undefined figure instead of drawing it', () => {
    assert.match(svg, /class="undefined"><title>CV, crowd: —<\/title>n\/a</);
  });

  it('is accessible, escapes text and is deterministic', () => {
    assert.match(svg, /^<svg [^>]*role="img" aria-label="Per-class F1, crowd and ML: forest plot of F1 with intervals, by class, for crowd, best ML"[^>]*><title>/);
    const hostile = forestPlotSvg([{ label: '<img src=x onerror=alert(1)>', method: 'a&b "c"', estimate: 0.5, lo: 0.4, hi: 0.6 }], { title: "<t'>" });
    assert.doesNotMatch(hostile, /<img|a&b|"c"|<t'/);
    assert.match(hostile, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(hostile, /a&amp;b &quot;c&quot;/);
    assert.equal(forestPlotSvg(rows, { title: 'Per-class F1, crowd and ML' }), svg);
  });

  it('takes another axis range, for differences', () => {
    const diff = forestPlotSvg([{ label: 'XRB', method: 'crowd − ML', estimate: 0.21, lo: 0.05, hi: 0.37 }], { title: 'd', domain: [-1, 1], axisLabel: 'F1 difference' });
    assert.deepEqual([...ticks(diff).keys()], [-1, -0.6, -0.2, 0.2, 0.6, 1]);
    const t = ticks(diff);
    const scale = (v: number) => t.get(-1)! + ((v + 1) / 2) * (t.get(1)! - t.get(-1)!);
    const [w] = whiskers(diff);
    assert.ok(Math.abs(w.x1 - scale(0.05)) <= 0.1 && Math.abs(w.x2 - scale(0.37)) <= 0.1);
    assert.throws(() => forestPlotSvg(rows, { title: 't', domain: [1, 0] }), /increasing/);
  });

  it('plots bootstrap intervals of two methods through forestRowsOf', () => {
    const truth = Int32Array.from({ length: 60 }, (_, i) => i % 3);
    const crowd = truth.map((t, i) => (i % 5 === 0 ? (t + 1) % 3 : t));
    const ml = truth.map((t, i) => (i % 2 === 0 ? (t + 1) % 3 : t));
    const names = ['AGN', 'Star', 'XRB'];
    const crowdF1 = bootstrapIntervals(crowd, truth, 3, { seed: 1, resamples: 200 }).f1;
    const plotted = [...forestRowsOf('crowd', crowdF1, names), ...forestRowsOf('ML', bootstrapIntervals(ml, truth, 3, { seed: 1, resamples: 200 }).f1, names)];
    assert.deepEqual(plotted[0], { label: 'AGN', method: 'crowd', estimate: crowdF1[0].estimate, lo: crowdF1[0].lo, hi: crowdF1[0].hi });
    const plot = forestPlotSvg(plotted, { title: 'F1' });
    const t = ticks(plot);
    const scale = (v: number) => t.get(0)! + v * (t.get(1)! - t.get(0)!);
    const drawn = whiskers(plot);
    // classes grouped: AGN crowd, AGN ML, Star crowd, ...
    assert.deepEqual(drawn.map((w) => w.method), [0, 1, 0, 1, 0, 1]);
    assert.ok(Math.abs(drawn[2].x1 - scale(crowdF1[1].lo!)) <= 0.1 && Math.abs(drawn[2].x2 - scale(crowdF1[1].hi!)) <= 0.1);
    assert.throws(() => forestRowsOf('x', crowdF1, ['a']), /3 intervals for 1 class names/);
  });
});
