import assert from 'node:assert/strict';
import { reliability } from '../../../scorers/calibration.js';
import { reliabilityDiagramSvg } from './reliability.js';

const attrs = (svg: string, cls: string, name: string) => [...svg.matchAll(new RegExp(`class="${cls}"[^>]*data-${name}="([^"]*)"`, 'g'))].map((m) => m[1]);

describe('reliabilityDiagramSvg', () => {
  // 4 bins; method A: 0.3 wrong, 0.4 right (bin 1, gap 0.15), 0.9 right, 0.8 wrong (bin 3, gap 0.35): ECE 0.25;
  // method B: two at 1.0, one right: ECE 0.5.
  const a = reliability(Float64Array.from([0.3, 0.4, 0.9, 0.8]), Uint8Array.from([0, 1, 1, 0]), 4);
  const b = reliability(Float64Array.from([1, 1]), Uint8Array.from([1, 0]), 4);
  const svg = reliabilityDiagramSvg([{ method: 'live_swap', reliability: a }, { method: 'dawid_skene', reliability: b }], { title: 'Known sources' });

  it('draws a point per filled bin of each method, at (mean confidence, accuracy), with its count', () => {
    assert.deepEqual(attrs(svg, 'point', 'method'), ['live_swap', 'live_swap', 'dawid_skene']);
    assert.deepEqual(attrs(svg, 'point', 'bin'), ['1', '3', '3']);
    assert.deepEqual(attrs(svg, 'point', 'count'), ['2', '2', '2']);
    // live_swap bin 1: mean 0.35, accuracy 0.5 → x = 60 + 0.35·300, y = 34 + 0.5·300
    assert.match(svg, /<circle cx="165" cy="184" r="4.5"[^>]*data-bin="1"/);
    assert.match(svg, /<title>dawid_skene, confidence 0\.8–1\.0: 2 subjects, mean confidence 1\.000, accuracy 0\.500<\/title>/);
    // one line for the method with two filled bins; none for a single point
    assert.equal((svg.match(/class="series-line"/g) ?? []).length, 1);
  });

  it('shows the diagonal, the axes, the ECE of each method and the counts of every bin', () => {
    assert.match(svg, /class="diagonal"><title>perfect calibration<\/title>/);
    assert.match(svg, /class="axis-label">mean confidence</);
    assert.match(svg, /class="axis-label">accuracy</);
    assert.match(svg, /data-method="live_swap">live_swap · ECE 0\.250</);
    assert.match(svg, /data-method="dawid_skene">dawid_skene · ECE 0\.500</);
    const counts = [...svg.matchAll(/class="bin-count" data-method="([^"]+)" data-bin="\d">(\d+)</g)].map((m) => `${m[1]}:${m[2]}`);
    assert.deepEqual(counts, ['live_swap:0', 'live_swap:2', 'live_swap:0', 'live_swap:2', 'dawid_skene:0', 'dawid_skene:0', 'dawid_skene:0', 'dawid_skene:2']);
  });

  it('is accessible, escaped and deterministic', () => {
    assert.match(svg, /^<svg [^>]*role="img" aria-label="Known sources: reliability diagram, accuracy against mean confidence per bin"[^>]*><title>/);
    assert.match(svg, /<desc>[^<]*live_swap: ECE 0\.250 on 4 subjects; dawid_skene: ECE 0\.500 on 2 subjects\.<\/desc>/);
    const hostile = reliabilityDiagramSvg([{ method: '<script>"x"', reliability: a }], { title: 'A&B' });
    assert.doesNotMatch(hostile, /<script>|A&B/);
    assert.match(hostile, /&lt;script&gt;&quot;x&quot;/);
    assert.equal(reliabilityDiagramSvg([{ method: 'live_swap', reliability: a }, { method: 'dawid_skene', reliability: b }], { title: 'Known sources' }), svg);
    assert.throws(() => reliabilityDiagramSvg([{ method: 'a', reliability: a }, { method: 'b', reliability: reliability(new Float64Array(0), new Uint8Array(0), 10) }], { title: 't' }), /b has 10 bins, expected 4/);
  });
});
