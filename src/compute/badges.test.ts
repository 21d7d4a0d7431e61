import assert from 'node:assert/strict';
import { computeBadges, racPercentile, type ComputeFigures } from './badges.js';

const DAY = 86_400_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');
const none: ComputeFigures = { racPercentile: null, creditDays: 0, firstCreditAt: null, lastCreditAt: null };
const named = (f: Partial<ComputeFigures>) => computeBadges({ ...none, ...f }).map((b) => `${b.family}:${b.name}`);

describe('volunteer-computing badges (quarks, leptons, bosons)', () => {
  it('ranks recent average credit as a top percentile among everyone with some', () => {
    const everyone = Array.from({ length: 200 }, (_, i) => i + 1).concat([0, 0]);
    assert.equal(racPercentile(200, everyone), 0.5);
    assert.equal(racPercentile(199, everyone), 1);
    assert.equal(racPercentile(198, everyone), 1.5);
    assert.equal(racPercentile(0, everyone), null, 'no recent credit, no quark');
    assert.equal(racPercentile(5, [5, 5, 5, 5]), 25, 'ties share the better rank');
  });

  it('gives the top quark to the top 1% exactly, the bottom quark just past it', () => {
    assert.deepEqual(named({ racPercentile: 1 }), ['quark:top quark']);
    assert.deepEqual(named({ racPercentile: 1.0001 }), ['quark:bottom quark']);
    assert.deepEqual(named({ racPercentile: 50 }), ['quark:down quark']);
    assert.deepEqual(named({ racPercentile: 100 }), ['quark:up quark']);
    assert.deepEqual(named({}), []);
  });

  it('gives the tau neutrino after 180 days of credit, the tau the day before', () => {
    assert.deepEqual(named({ creditDays: 180 }), ['lepton:tau neutrino']);
    assert.deepEqual(named({ creditDays: 179 }), ['lepton:tau']);
    assert.deepEqual(named({ creditDays: 1 }), ['lepton:electron']);
  });

  it('gives the Higgs after five years from the first credit to the latest, the W boson a day short', () => {
    const span = (days: number) => named({ firstCreditAt: t0, lastCreditAt: t0 + days * DAY });
    assert.deepEqual(span(5 * 365), ['boson:Higgs boson']);
    assert.deepEqual(span(5 * 365 - 1), ['boson:W boson']);
    assert.deepEqual(span(364), [], 'under a year: no boson yet');
    assert.deepEqual(span(365), ['boson:photon']);
  });

  it('shows one badge per family, all three together', () => {
    assert.deepEqual(named({ racPercentile: 4, creditDays: 61, firstCreditAt: t0, lastCreditAt: t0 + 800 * DAY }), ['quark:bottom quark', 'lepton:muon neutrino', 'boson:gluon']);
  });
});
