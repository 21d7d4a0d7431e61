import assert from 'node:assert/strict';
import { addCredit, creditForFlops, DAY_MS, racAt, RAC_HALF_LIFE_MS, type RecentAverage } from './credit.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('volunteer-computing credit (BOINC recent average credit)', () => {
  const t0 = Date.parse('2026-12-01T00:00:00Z');

  it('halves the average for every week without credit', () => {
    const avg: RecentAverage = { rac: 100, racAt: t0 };
    close(racAt(avg, t0 + RAC_HALF_LIFE_MS), 50, 1e-9, 'one week');
    close(racAt(avg, t0 + 2 * RAC_HALF_LIFE_MS), 25, 1e-9, 'two weeks');
    close(racAt(avg, t0), 100, 0, 'no time');
    assert.equal(racAt({ rac: 0, racAt: null }, t0), 0);
  });

  it('counts a first grant as done over the time since the work started', () => {
    assert.deepEqual(addCredit({ rac: 0, racAt: null }, 10, t0 + DAY_MS / 2, t0), { rac: 20, racAt: t0 + DAY_MS / 2 });
    // A result reported the instant its work started counts as a second of work, not an infinite rate.
    assert.equal(addCredit({ rac: 0, racAt: null }, 1, t0, t0).rac, DAY_MS / 1000);
  });

  it('converges to the daily rate of steady work, whatever the reporting interval', () => {
    for (const every of [DAY_MS / 24, DAY_MS, 3 * DAY_MS]) {
      let avg: RecentAverage = { rac: 0, racAt: null };
      let now = t0;
      for (let i = 0; i < (120 * DAY_MS) / every; i++) {
        now += every;
        avg = addCredit(avg, (50 * every) / DAY_MS, now, now - every);
      }
      close(avg.rac, 50, 1e-6, `reporting every ${every / 3_600_000} h`);
    }
  });

  it('adds credit granted at the same moment by the limit of the formula, without dividing by zero', () => {
    const avg = addCredit({ rac: 10, racAt: t0 }, 7, t0, t0);
    close(avg.rac, 10 + (Math.LN2 * 7 * DAY_MS) / RAC_HALF_LIFE_MS, 1e-12, 'same instant');
    assert.throws(() => addCredit(avg, -1, t0, t0), /credit must be a finite number >= 0/);
    assert.throws(() => addCredit(avg, Number.NaN, t0, t0), /credit must be/);
  });

  it('prices work in cobblestones: a day at 1 GFLOPS is 200 credits', () => {
    close(creditForFlops(86_400e9), 200, 1e-9, 'one GFLOPS-day');
    assert.equal(creditForFlops(0), 0);
  });
});
