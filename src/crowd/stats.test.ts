import assert from 'node:assert/strict';
import { loadCrowdConfig } from './config.js';
import { badgesFor, classStanding, contributionPercentile, daysSince, levelOf, qualifyingDays, streakLength } from './stats.js';

const cfg = loadCrowdConfig({});
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
const DAY = 86400_000;
const NOW = Date.parse('2026-03-10T15:00:00Z');
const day = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString().slice(0, 10);

/** Level from per-class [answered, correct] (60 gold subjects available in each class unless given). */
const level = (tallies: Record<string, [number, number, number?]>, rule = cfg) =>
  levelOf(CLASSES.map((name) => {
    const [answered, correct, available] = tallies[name] ?? [10, 10];
    return classStanding(name, { answered, correct, available: available ?? 60 }, rule);
  }));

describe('crowd gamification rules (pure functions)', () => {
  describe('level 2: gold accuracy of at least 0.7 in every class, with at least 10 gold answers in each', () => {
    it('uses the documented defaults', () => {
      assert.equal(cfg.CROWD_LEVEL2_ACCURACY, 0.7);
      assert.equal(cfg.CROWD_LEVEL2_MIN_GOLD, 10);
    });

    it('opens at 10 right answers in every class', () => {
      assert.equal(level({}), 2);
    });

    it('stays at 1 with 9 gold answers in one class, all right', () => {
      assert.equal(level({ CV: [9, 9] }), 1);
      assert.equal(level({ CV: [10, 10] }), 2);
    });

    it('opens exactly at 0.7 and stays closed at 0.69 in one class', () => {
      assert.equal(level({ Star: [10, 7] }), 2);
      assert.equal(level({ Star: [100, 70] }), 2);
      assert.equal(level({ Star: [100, 69] }), 1);
      assert.equal(level({ Star: [10, 6] }), 1);
      const s = classStanding('Star', { answered: 100, correct: 69, available: 200 }, cfg);
      assert.deepEqual(s, { name: 'Star', answered: 100, correct: 69, rate: 0.69, needed: 10, ok: false });
    });

    it('counts every class: one never answered keeps level 1', () => {
      assert.equal(level({ Other: [0, 0] }), 1);
      assert.equal(levelOf([]), 1);
    });

    it('asks for all gold subjects of a class that has fewer than 10 (each can be answered once)', () => {
      assert.equal(level({ Other: [2, 2, 2], XRB: [8, 6, 8] }), 2);
      assert.equal(level({ Other: [1, 1, 2] }), 1, 'one of two answered');
      assert.equal(level({ Other: [2, 1, 2] }), 1, '1 of 2 right is below 0.7');
      assert.equal(classStanding('Other', { answered: 2, correct: 2, available: 2 }, cfg).needed, 2);
      // A class without any gold cannot be tested: it does not block, but some class must be tested.
      assert.equal(level({ Other: [0, 0, 0] }), 2);
      assert.equal(levelOf(CLASSES.map((name) => classStanding(name, { answered: 0, correct: 0, available: 0 }, cfg))), 1);
    });

    it('follows the configured thresholds', () => {
      const strict = loadCrowdConfig({ CROWD_LEVEL2_ACCURACY: '0.9', CROWD_LEVEL2_MIN_GOLD: '3' });
      assert.equal(level({ AGN: [3, 3], Star: [3, 3], XRB: [3, 3], CV: [3, 3], Other: [3, 3] }, strict), 2);
      assert.equal(level({ AGN: [10, 8] }, strict), 1);
      assert.equal(level({ AGN: [2, 2] }, strict), 1);
    });
  });

  describe('streaks: consecutive days whose gold accuracy is at least the floor', () => {
    const days = (entries: Array<[number, number, number]>) => new Map(entries.map(([ago, gold, correct]) => [day(ago), { gold, correct }]));
    const streak = (entries: Array<[number, number, number]>, floor = cfg.CROWD_STREAK_FLOOR) => streakLength(qualifyingDays(days(entries), floor), NOW);

    it('uses the documented floor', () => assert.equal(cfg.CROWD_STREAK_FLOOR, 0.6));

    it('counts consecutive qualifying days ending today', () => {
      assert.equal(streak([[0, 2, 2], [1, 4, 3], [2, 1, 1]]), 3);
    });

    it('counts a day exactly at the floor', () => {
      assert.equal(streak([[0, 5, 3], [1, 5, 3]]), 2);
    });

    it('breaks on a day under the floor (speed-clicking does not pay)', () => {
      assert.equal(streak([[0, 2, 2], [1, 10, 5], [2, 2, 2], [3, 2, 2]]), 1);
      // Today under the floor is still in progress: the streak up to yesterday stands until the day is over.
      assert.equal(streak([[0, 100, 59], [1, 2, 2]]), 1);
      assert.equal(streakLength(qualifyingDays(days([[0, 100, 59], [1, 2, 2]]), cfg.CROWD_STREAK_FLOOR), NOW + DAY), 0);
    });

    it('does not count a day without gold answers, nor a gap', () => {
      assert.equal(streak([[0, 2, 2], [1, 0, 0], [2, 2, 2]]), 1);
      assert.equal(streak([[0, 2, 2], [2, 2, 2]]), 1);
    });

    it('still holds when today has not started yet', () => {
      assert.equal(streak([[1, 2, 2], [2, 2, 2]]), 2);
      assert.equal(streak([[2, 2, 2], [3, 2, 2]]), 0);
      assert.equal(streak([]), 0);
    });

    it('follows the configured floor', () => {
      assert.equal(streak([[0, 10, 5]], 0.5), 1);
      assert.equal(streak([[0, 10, 5]], 0.51), 0);
    });
  });

  describe('badges at their thresholds', () => {
    const names = (b: ReturnType<typeof badgesFor>) => b.map((x) => `${x.family}:${x.name}`);
    const only = (f: Partial<Parameters<typeof badgesFor>[0]>, c = cfg) => names(badgesFor({ percentile: null, activeDays: 0, involvedDays: null, ...f }, c));

    it('gives leptons for 3, 10 and 30 distinct active days', () => {
      assert.deepEqual(only({ activeDays: 2 }), []);
      assert.deepEqual(only({ activeDays: 3 }), ['lepton:electron']);
      assert.deepEqual(only({ activeDays: 9 }), ['lepton:electron']);
      assert.deepEqual(only({ activeDays: 10 }), ['lepton:muon']);
      assert.deepEqual(only({ activeDays: 30 }), ['lepton:tau']);
    });

    it('gives bosons for 7, 30 and 180 days since the first classification', () => {
      assert.deepEqual(only({ involvedDays: 6 }), []);
      assert.deepEqual(only({ involvedDays: 7 }), ['boson:photon']);
      assert.deepEqual(only({ involvedDays: 30 }), ['boson:W boson']);
      assert.deepEqual(only({ involvedDays: 179 }), ['boson:W boson']);
      assert.deepEqual(only({ involvedDays: 180 }), ['boson:Higgs boson']);
      assert.equal(daysSince(day(7), NOW), 7);
      assert.equal(daysSince(day(6), NOW), 6);
    });

    it('gives quarks for the top 1%, 5% and 25% of recent contribution', () => {
      assert.deepEqual(only({ percentile: 1 }), ['quark:top quark']);
      assert.deepEqual(only({ percentile: 1.01 }), ['quark:charm quark']);
      assert.deepEqual(only({ percentile: 5 }), ['quark:charm quark']);
      assert.deepEqual(only({ percentile: 25 }), ['quark:up quark']);
      assert.deepEqual(only({ percentile: 26 }), []);
    });

    it('ranks contributions into top percentiles', () => {
      const all = Array.from({ length: 200 }, (_, i) => ({ userId: i + 1, info: 200 - i }));
      assert.equal(contributionPercentile(all, 1), 0.5);
      assert.equal(contributionPercentile(all, 2), 1);
      assert.equal(contributionPercentile(all, 3), 1.5);
      assert.equal(contributionPercentile(all, 50), 25);
      assert.equal(contributionPercentile(all, 999), null);
      assert.equal(contributionPercentile([{ userId: 1, info: 0 }], 1), null, 'no information, no quark');
      // Ties share the better rank.
      assert.equal(contributionPercentile([{ userId: 1, info: 5 }, { userId: 2, info: 5 }, { userId: 3, info: 1 }, { userId: 4, info: 1 }], 2), 25);
    });

    it('follows the configured thresholds and shows one badge per family', () => {
      const c = loadCrowdConfig({ CROWD_QUARK_PERCENTILES: '10,50,75', CROWD_LEPTON_DAYS: '2,4,6', CROWD_BOSON_DAYS: '3,10,20' });
      assert.deepEqual(only({ percentile: 25, activeDays: 4, involvedDays: 12 }, c), ['quark:charm quark', 'lepton:muon', 'boson:W boson']);
      assert.deepEqual(only({ percentile: 80, activeDays: 1, involvedDays: 2 }, c), []);
    });
  });
});
