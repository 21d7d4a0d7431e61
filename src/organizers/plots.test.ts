import assert from 'node:assert/strict';
import { activitySvg, ageOf, dailySeries, jobQueueSvg, scoreBins, scoreDistributionSvg } from './plots.js';

/** Every `<tag ...>` of a class in an SVG string, as attribute maps. */
function marks(svg: string, className: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const m of svg.matchAll(new RegExp(`<(?:rect|text)[^>]*class="${className}"[^>]*>`, 'g'))) {
    out.push(Object.fromEntries([...m[0].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));
  }
  return out;
}

describe('organizer console plots', () => {
  describe('dailySeries', () => {
    it('lists every UTC day from the opening to the end, quiet days as zero', () => {
      const days = dailySeries([{ day: '2026-03-02', count: 3 }, { day: '2026-03-04', count: 1 }], ['2026-03-02', '2026-03-02', '2026-03-04'], '2026-03-01T07:00:00Z', '2026-03-05T23:59:00Z');
      assert.deepEqual(days, [
        { day: '2026-03-01', entrants: 0, submissions: 0 },
        { day: '2026-03-02', entrants: 2, submissions: 3 },
        { day: '2026-03-03', entrants: 0, submissions: 0 },
        { day: '2026-03-04', entrants: 1, submissions: 1 },
        { day: '2026-03-05', entrants: 0, submissions: 0 },
      ]);
    });

    it('widens the span to days with data outside it (a submission before the opening)', () => {
      const days = dailySeries([{ day: '2026-02-27', count: 1 }], ['2026-02-27'], '2026-03-01T00:00:00Z', '2026-03-01T12:00:00Z');
      assert.deepEqual(days.map((d) => d.day), ['2026-02-27', '2026-02-28', '2026-03-01']);
      assert.equal(days[0].submissions, 1);
    });
  });

  describe('activitySvg', () => {
    const days = dailySeries([{ day: '2026-03-02', count: 3 }, { day: '2026-03-04', count: 1 }], ['2026-03-02', '2026-03-04'], '2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z');

    it('draws one bar per series and day with data, with its count, and none for zeros', () => {
      const svg = activitySvg(days);
      const bars = marks(svg, 'day-bar').map((b) => `${b['data-series']} ${b['data-day']} ${b['data-count']}`);
      assert.deepEqual(bars, ['submissions 2026-03-02 3', 'entrants 2026-03-02 1', 'submissions 2026-03-04 1', 'entrants 2026-03-04 1']);
    });

    it('is an image with a label that gives the totals and the span', () => {
      const svg = activitySvg(days);
      assert.match(svg, /role="img"/);
      assert.match(svg, /aria-label="New entrants and submissions per UTC day, 1 Mar to 5 Mar: 2 entrants, 4 submissions"/);
      assert.match(svg, /The busiest day was 2 Mar with 3 submissions/);
    });

    it('keeps the bars of a challenge that runs for years visible, and dates its axis with the year', () => {
      const long = dailySeries([{ day: '2025-06-01', count: 4 }], ['2025-06-01'], '2025-01-01T00:00:00Z', '2026-11-30T00:00:00Z');
      assert.equal(long.length, 699);
      const svg = activitySvg(long);
      assert.ok(marks(svg, 'day-bar').every((b) => Number(b.width) >= 1.5));
      assert.deepEqual(marks(svg, 'x-tick').map((t) => t['data-day']), ['2025-01-01', '2025-12-16', '2026-11-30']);
      assert.match(svg, />1 Jan 2025</);
    });

    it('puts taller bars higher, and draws nothing without days', () => {
      const svg = activitySvg(days);
      const [three, , one] = marks(svg, 'day-bar').map((b) => Number(b.height));
      assert.ok(three > one);
      assert.equal(activitySvg([]), '');
    });
  });

  describe('score distribution', () => {
    it('counts public and private scores on the same bins', () => {
      const bins = scoreBins([0.41, 0.47, 0.55], [0.44, 0.52, 0.62]);
      assert.equal(bins.reduce((a, b) => a + b.public, 0), 3);
      assert.equal(bins.reduce((a, b) => a + b.private, 0), 3);
      assert.ok(bins[0].lo <= 0.41 && bins[bins.length - 1].hi >= 0.62);
      const svg = scoreDistributionSvg(bins, { metric: 'macro_f1', higherIsBetter: true });
      assert.equal(marks(svg, 'bin').filter((b) => b['data-series'] === 'private').length, bins.length);
      assert.match(svg, /aria-label="Distribution of 3 best public scores and 3 private scores of the entrants"/);
      assert.match(svg, /macro_f1 \(higher is better\)/);
    });

    it('draws nothing without scores, and skips scores that are not numbers', () => {
      assert.equal(scoreDistributionSvg(scoreBins([], []), { metric: 'ams', higherIsBetter: true }), '');
      assert.equal(scoreBins([Number.NaN, 1], []).reduce((a, b) => a + b.public, 0), 1);
    });
  });

  describe('jobQueueSvg', () => {
    const now = Date.parse('2026-03-02T12:00:00Z');

    it('draws a bar per status with its count, and says how long the oldest queued job waited', () => {
      const svg = jobQueueSvg({ queued: 2, running: 1, done: 40, failed: 3 }, '2026-03-02T09:30:00Z', { now });
      assert.deepEqual(marks(svg, 'job-bar').map((b) => `${b['data-status']}=${b['data-count']}`), ['queued=2', 'running=1', 'done=40', 'failed=3']);
      assert.match(svg, />Oldest queued: 2 hours 30 minutes</);
      assert.match(svg, /aria-label="Job queue for this challenge: 2 queued, 1 running, 40 done, 3 failed; the oldest queued job has waited 2 hours 30 minutes"/);
      const widths = Object.fromEntries(marks(svg, 'job-bar').map((b) => [b['data-status'], Number(b.width)]));
      assert.ok(widths.done > widths.failed && widths.failed > widths.queued);
    });

    it('says nothing waits when no job is queued, and draws nothing without jobs', () => {
      assert.match(jobQueueSvg({ queued: 0, running: 0, done: 5, failed: 0 }, null, { now }), /nothing waits in the queue/);
      assert.equal(jobQueueSvg({ queued: 0, running: 0, done: 0, failed: 0 }, null), '');
    });

    it('ages a time in the past', () => {
      assert.equal(ageOf('2026-03-01T12:00:00Z', now), '1 day');
      assert.equal(ageOf('2026-03-02T12:00:00Z', now), 'less than a minute');
    });
  });
});
