import assert from 'node:assert/strict';
import { amsCurve, evenFractions } from '../../../scorers/crowd-ams.js';
import { amsCurveSvg, type AmsCurveSeries } from './ams-curve.js';

const series: AmsCurveSeries[] = [
  { method: 'crowd (simulated)', points: [{ fraction: 0, ams: 0 }, { fraction: 0.5, ams: 2.4 }, { fraction: 1, ams: 1.1 }], operatingPoint: { fraction: 0.4, ams: 2.2 } },
  { method: 'baseline', points: [{ fraction: 0, ams: 0 }, { fraction: 0.5, ams: 3.1 }, { fraction: 1, ams: 1.1 }] },
];

const ticks = (svg: string, axis: 'x' | 'y') =>
  new Map([...svg.matchAll(new RegExp(`<text x="([\\d.]+)" y="([\\d.]+)"[^>]*class="${axis}-tick" data-value="([\\d.]+)"`, 'g'))].map((m) => [Number(m[3]), axis === 'x' ? Number(m[1]) : Number(m[2]) - 3.5]));
const curves = (svg: string) => [...svg.matchAll(/<polyline points="([^"]*)" fill="none" stroke="(#[0-9A-Fa-f]{6})" stroke-width="2"( stroke-dasharray="[^"]*")? class="curve" data-method="(\d)"/g)].map((m) => ({ points: m[1].split(' ').map((p) => p.split(',').map(Number)), stroke: m[2], dashed: m[3] !== undefined }));

describe('amsCurveSvg', () => {
  const svg = amsCurveSvg(series, { title: 'AMS by selected fraction', description: 'Private events; the crowd is simulated.' });

  it('draws one line per method on a fraction axis 0..1 and a nice AMS axis', () => {
    assert.deepEqual([...ticks(svg, 'x').keys()], [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual([...ticks(svg, 'y').keys()], [0, 1, 2, 3, 4, 5]);
    const x = ticks(svg, 'x');
    const y = ticks(svg, 'y');
    const [crowd, baseline] = curves(svg);
    assert.equal(crowd.points.length, 3);
    assert.ok(Math.abs(crowd.points[1][0] - (x.get(0)! + 0.5 * (x.get(1)! - x.get(0)!))) <= 0.1);
    assert.ok(Math.abs(crowd.points[1][1] - (y.get(0)! + (2.4 / 5) * (y.get(5)! - y.get(0)!))) <= 0.1);
    assert.ok(Math.abs(baseline.points[1][1] - (y.get(0)! + (3.1 / 5) * (y.get(5)! - y.get(0)!))) <= 0.1);
    assert.notEqual(crowd.stroke, baseline.stroke);
    assert.ok(!crowd.dashed && baseline.dashed, 'methods differ by dash as well as colour');
    assert.match(svg, /class="legend-label">crowd \(simulated\)</);
    assert.match(svg, /class="operating-point" data-method="0"><title>crowd \(simulated\): AMS 2.20 selecting 0.40 of events<\/title>/);
    assert.match(svg, /data-testid="ams-curve-1"><title>baseline: highest AMS 3.10 at 0.50 of events<\/title>/);
  });

  it('is accessible, escapes text and is deterministic', () => {
    assert.match(svg, /^<svg [^>]*role="img" aria-label="AMS by selected fraction: AMS against the fraction of events selected, for crowd \(simulated\), baseline"[^>]*data-testid="ams-curve"[^>]*><title>[^<]+<\/title><desc>Private events; the crowd is simulated.<\/desc>/);
    const hostile = amsCurveSvg([{ method: '<img src=x onerror=alert(1)>', points: [{ fraction: 0, ams: 0 }] }, { method: 'a&b "c"', points: [] }], { title: "<t'>", description: '</desc><script>' });
    assert.doesNotMatch(hostile, /<img|a&b|"c"|<t'|<script|<\/desc><\/desc>/);
    assert.match(hostile, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(hostile, /a&amp;b &quot;c&quot;/);
    assert.equal(amsCurveSvg(series, { title: 'AMS by selected fraction', description: 'Private events; the crowd is simulated.' }), svg);
  });

  it('plots amsCurve output, skipping non-finite points', () => {
    const isSignal = Uint8Array.from([1, 0, 1, 0, 0, 0]);
    const weights = new Float64Array(6).fill(1);
    const points = amsCurve(Float64Array.from([0.9, 0.8, 0.7, 0.3, 0.2, 0.1]), isSignal, weights, evenFractions(6), undefined, { Ns: 2, Nb: 4 });
    const plot = amsCurveSvg([{ method: 'crowd', points: [...points, { fraction: NaN, ams: 1 }] }], { title: 't' });
    const [curve] = curves(plot);
    assert.equal(curve.points.length, 7);
    assert.ok(curve.points.every(([px, py]) => Number.isFinite(px) && Number.isFinite(py)));
  });
});
