import assert from 'node:assert/strict';
import { frameOf, niceDomain, scoreAxisY, timeAxisX } from './svg.js';

describe('the score plots frame', () => {
  it('widens a domain to whole nice steps', () => {
    assert.deepEqual(niceDomain(0.41, 0.68), { lo: 0.4, hi: 0.7, step: 0.1, ticks: [0.4, 0.5, 0.6, 0.7] });
    assert.deepEqual(niceDomain(12, 87, 4).ticks, [0, 20, 40, 60, 80, 100]);
  });

  it('gives a single value a span around it', () => {
    const d = niceDomain(0.5, 0.5);
    assert.ok(d.lo < 0.5 && d.hi > 0.5);
  });

  it('maps the domain ends to the frame edges', () => {
    const f = frameOf(400, 200);
    const { y } = scoreAxisY(f, [0.41, 0.68], 'score');
    assert.equal(y(0.4), f.bottom);
    assert.equal(y(0.7), f.top);
    const { x } = timeAxisX(f, '2026-03-01T00:00:00.000Z', '2026-03-11T00:00:00.000Z');
    assert.equal(x('2026-03-01T00:00:00.000Z'), f.left);
    assert.equal(x('2026-03-11T00:00:00.000Z'), f.right);
    assert.equal(x('2026-03-06T00:00:00.000Z'), (f.left + f.right) / 2);
  });

  it('labels a span under an hour with four different times, ending at the last one', () => {
    const f = frameOf(400, 200);
    const { x, svg } = timeAxisX(f, '2026-11-30T11:43:00.000Z', '2026-11-30T11:43:30.000Z');
    const labels = [...svg.matchAll(/class="x-tick">([^<]+)</g)].map((m) => m[1]);
    assert.equal(new Set(labels).size, 4, labels.join(' | '));
    assert.equal(labels[3], '30 Nov 11:43');
    assert.equal(x('2026-11-30T11:43:30.000Z'), f.right);
  });
});
