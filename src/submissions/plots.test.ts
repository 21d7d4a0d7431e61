import assert from 'node:assert/strict';
import { amsCurveSvg, myScoresSvg } from './plots.js';

/** The y of a tick labelled `value` (its text sits 3.5 px below the grid line). */
const tickY = (svg: string, value: number) => Number(new RegExp(`<text x="[\\d.]+" y="([\\d.]+)"[^>]*class="y-tick" data-value="${value}"`).exec(svg)![1]) - 3.5;
const points = (svg: string) => [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*class="submission-point" data-id="(\d+)" data-score="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), id: Number(m[3]), score: Number(m[4]) }));

describe('myScoresSvg', () => {
  const subs = [
    { id: 3, at: '2026-03-03T00:00:00.000Z', publicScore: 0.8 },
    { id: 1, at: '2026-03-01T00:00:00.000Z', publicScore: 0.6 },
    { id: 2, at: '2026-03-02T00:00:00.000Z', publicScore: 0.7 },
  ];
  const svg = myScoresSvg(subs, { boardBest: 0.9, metric: 'accuracy', higherIsBetter: true });

  it('draws one point per scored submission, at its score on the axis, in time order', () => {
    const drawn = points(svg);
    assert.deepEqual(drawn.map((p) => p.id), [1, 2, 3]);
    assert.ok(drawn[0].x < drawn[1].x && drawn[1].x < drawn[2].x);
    // The axis runs 0.6..0.9 in steps of 0.05: 0.7 sits on its tick, 0.8 too.
    assert.ok(Math.abs(drawn[1].y - tickY(svg, 0.7)) <= 0.1);
    assert.ok(Math.abs(drawn[2].y - tickY(svg, 0.8)) <= 0.1);
  });

  it("draws the leaderboard's best as a labelled horizontal line at its score", () => {
    const m = /<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)"[^>]*class="board-best" data-score="0.9"/.exec(svg)!;
    assert.equal(m[3], m[4]);
    assert.ok(Math.abs(Number(m[3]) - tickY(svg, 0.9)) <= 0.1);
    assert.match(svg, /class="board-best-label">Leaderboard best 0.9</);
  });

  it('has a text alternative and scales with its container', () => {
    assert.match(svg, /role="img" aria-label="Public score of your 3 scored submissions over time"/);
    assert.match(svg, /<desc>Your best public accuracy is 0.8 \(higher is better\)\. The public leaderboard&#39;s best is 0.9/);
    assert.match(svg, /viewBox="0 0 480 250"/);
  });

  it('reads "best" as the lowest score when lower is better, and draws nothing without points', () => {
    assert.match(myScoresSvg(subs, { boardBest: null, metric: 'log loss', higherIsBetter: false }), /Your best public log loss is 0.6 \(lower is better\)/);
    assert.equal(myScoresSvg([], { boardBest: 0.9, metric: 'accuracy', higherIsBetter: true }), '');
  });
});

describe('amsCurveSvg', () => {
  const curve = {
    n: 100,
    b_reg: 10,
    points: [[0, 0], [0.25, 1.2], [0.4, 1.5], [0.5, 1.4], [1, 0.9]] as Array<[number, number]>,
    cut: { selected: 25, fraction: 0.25, ams: 1.2 },
    max: { selected: 40, fraction: 0.4, ams: 1.5 },
  };
  const svg = amsCurveSvg(curve, { subset: 'public' });

  it('draws the curve through every point, with the own cut and the maximum marked where they are', () => {
    const d = /<path d="([^"]+)"[^>]*class="ams-curve-line"/.exec(svg)![1];
    assert.equal(d.split(/[ML]/).filter(Boolean).length, 5);
    const mark = (cls: string) => /<circle cx="([\d.]+)" cy="([\d.]+)"/.exec(new RegExp(`<circle[^>]*class="${cls}"[^>]*>`).exec(svg)![0])!.slice(1).map(Number);
    const [cutX, cutY] = mark('ams-cut');
    const [maxX, maxY] = mark('ams-max');
    assert.ok(maxX > cutX, 'the best cut selects more here');
    assert.ok(maxY < cutY, 'and sits higher (a larger AMS)');
    assert.ok(Math.abs(tickY(svg, 1.5) - maxY) < 0.11);
    assert.match(svg, /Your cut 1\.2</);
    assert.match(svg, /Best cut 1\.5</);
    assert.match(svg, /role="img" aria-label="AMS of the public subset against the fraction of events selected"/);
  });

  it('draws nothing without at least two points', () => {
    assert.equal(amsCurveSvg({ ...curve, points: [[0, 0]] }, { subset: 'public' }), '');
  });
});
