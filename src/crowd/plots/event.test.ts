import assert from 'node:assert/strict';
import { higgsEvent, type HiggsRow } from '../higgs/event.js';
import { etaPhiSvg, niceCeiling, transversePlaneSvg } from './event.js';

const row: HiggsRow = {
  PRI_tau_pt: 40, PRI_tau_eta: 0, PRI_tau_phi: 0,
  PRI_lep_pt: 20, PRI_lep_eta: -1.2, PRI_lep_phi: Math.PI,
  PRI_met: 25, PRI_met_phi: -Math.PI / 2,
  PRI_jet_num: 1,
  PRI_jet_leading_pt: 80, PRI_jet_leading_eta: 3.1, PRI_jet_leading_phi: Math.PI / 2,
  PRI_jet_subleading_pt: -999, PRI_jet_subleading_eta: -999, PRI_jet_subleading_phi: -999,
  PRI_jet_all_pt: 80,
};

/** Each arrow's tail and tip, by object kind. */
function arrows(svg: string) {
  const found = [...svg.matchAll(/data-testid="transverse-([a-z-]+)"[^>]*>(?:<title>[^<]*<\/title>)<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"([^>]*)/g)];
  return new Map(found.map((m) => [m[1], { x1: +m[2], y1: +m[3], x2: +m[4], y2: +m[5], dashed: m[6].includes('stroke-dasharray') }]));
}
const length = (a: { x1: number; y1: number; x2: number; y2: number }) => Math.hypot(a.x2 - a.x1, a.y2 - a.y1);
const markers = (svg: string) =>
  new Map([...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"[^>]*data-testid="etaphi-([a-z-]+)"/g)].map((m) => [m[4], { cx: +m[1], cy: +m[2], r: +m[3] }]));

describe('transversePlaneSvg', () => {
  const svg = transversePlaneSvg(higgsEvent(row));
  const drawn = arrows(svg);

  it('points a jet at φ = π/2 up, φ = 0 right, φ = π left and φ = −π/2 down', () => {
    const jet = drawn.get('leading-jet')!;
    assert.ok(Math.abs(jet.x2 - jet.x1) < 0.11 && jet.y2 < jet.y1, `jet goes up: ${JSON.stringify(jet)}`);
    const tau = drawn.get('tau')!;
    assert.ok(tau.x2 > tau.x1 && Math.abs(tau.y2 - tau.y1) < 0.11);
    const lep = drawn.get('lepton')!;
    assert.ok(lep.x2 < lep.x1 && Math.abs(lep.y2 - lep.y1) < 0.11);
    const met = drawn.get('met')!;
    assert.ok(met.y2 > met.y1 && Math.abs(met.x2 - met.x1) < 0.11);
  });

  it('scales length with pT: twice the pT, twice the length; the largest reaches at most the labelled outer ring', () => {
    const [jet, tau, lep] = ['leading-jet', 'tau', 'lepton'].map((k) => length(drawn.get(k)!));
    assert.ok(Math.abs(jet / tau - 2) < 0.01, `${jet} / ${tau}`);
    assert.ok(Math.abs(tau / lep - 2) < 0.01, `${tau} / ${lep}`);
    const outer = /<circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)"[^>]*data-testid="ring-outer" data-gev="([\d.]+)"/.exec(svg)!;
    assert.equal(Number(outer[2]), 100); // niceCeiling(80)
    assert.ok(Math.abs(jet - (80 / 100) * Number(outer[1])) < 0.2);
    assert.match(svg, />100 GeV</);
    assert.match(svg, />50 GeV</);
  });

  it('draws the MET dashed, omits absent objects, says "one jet" and names each object in a legend', () => {
    assert.equal(drawn.get('met')!.dashed, true);
    assert.equal(drawn.get('tau')!.dashed, false);
    // longest drawn first, so shorter arrows along the same direction stay visible on top
    assert.deepEqual([...drawn.keys()], ['leading-jet', 'tau', 'met', 'lepton']);
    assert.doesNotMatch(svg, /subleading/);
    assert.match(svg, /one jet\./);
    for (const kind of drawn.keys()) assert.match(svg, new RegExp(`data-testid="legend-${kind}"`));
    assert.match(svg, /leading jet: pT 80\.0 GeV, η 3\.10, φ 1\.57/);
  });

  it('takes a fixed outer ring for comparing events', () => {
    const fixed = arrows(transversePlaneSvg(higgsEvent(row), { outerRingGeV: 160 }));
    assert.ok(Math.abs(length(fixed.get('leading-jet')!) * 1.6 - length(drawn.get('leading-jet')!)) < 0.3);
  });

  it('rounds the outer ring up to 1, 2, 2.5 or 5 × 10ⁿ', () => {
    assert.deepEqual([80, 100, 101, 230, 3.2, 0].map(niceCeiling), [100, 100, 200, 250, 5, 1]);
  });
});

describe('etaPhiSvg', () => {
  const svg = etaPhiSvg(higgsEvent(row));
  const drawn = markers(svg);
  const zeroLine = /<line x1="([\d.]+)"[^>]*data-testid="eta-zero-line"/.exec(svg)!;

  it('puts η = 0 on the middle line, η > 0 right of it, φ = π/2 above φ = 0', () => {
    assert.equal(drawn.get('tau')!.cx, Number(zeroLine[1]));
    assert.ok(drawn.get('leading-jet')!.cx > drawn.get('tau')!.cx);
    assert.ok(drawn.get('lepton')!.cx < drawn.get('tau')!.cx);
    assert.ok(drawn.get('leading-jet')!.cy < drawn.get('tau')!.cy);
  });

  it('sizes markers by pT (area ∝ pT) and draws the MET, which has no η, as a dashed line at its φ', () => {
    const [jet, tau] = [drawn.get('leading-jet')!.r, drawn.get('tau')!.r];
    assert.ok(Math.abs((jet / tau) ** 2 - 2) < 0.02);
    assert.ok(!drawn.has('met'));
    assert.match(svg, /<line [^>]*stroke-dasharray="6 4" class="object met-line" data-testid="etaphi-met"/);
    assert.ok(svg.indexOf('etaphi-met') < svg.indexOf('etaphi-tau'), 'the MET line lies under the markers');
    assert.ok(svg.indexOf('etaphi-leading-jet') < svg.indexOf('etaphi-lepton'), 'large markers under small ones');
  });

  it('shades the acceptance: |η| < 2.5 identified, to 5 measured, centred on η = 0', () => {
    const band = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*data-testid="band-identified" data-eta="2.5"/.exec(svg)!;
    const measured = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*data-testid="band-measured" data-eta="5"/.exec(svg)!;
    assert.ok(Math.abs(Number(band[1]) + Number(band[2]) / 2 - Number(zeroLine[1])) < 0.11);
    assert.ok(Math.abs(Number(band[2]) * 2 - Number(measured[2])) < 0.3);
  });
});

describe('event display SVGs', () => {
  it('are accessible, escape text and are deterministic', () => {
    for (const render of [transversePlaneSvg, etaPhiSvg]) {
      const svg = render(higgsEvent(row));
      assert.match(svg, /^<svg [^>]*role="img" aria-label="[^"]+"[^>]*><title>[^<]+<\/title><desc>one jet\. hadronic tau: pT 40\.0 GeV/);
      assert.equal(render(higgsEvent(row)), svg);
      const hostile = render(higgsEvent(row), { title: '<script>"x" & \'y\'</script>' });
      assert.doesNotMatch(hostile, /<script|"x"/);
      assert.match(hostile, /&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;/);
    }
  });

  it('render an event with no objects at all without failing', () => {
    const svg = transversePlaneSvg(higgsEvent({ PRI_jet_num: 0 }));
    assert.match(svg, /no objects/);
    assert.match(etaPhiSvg(higgsEvent({})), /number of jets unknown/);
  });
});
