import type { DbHandle } from '../src/db/index.js';

export const DAY_MS = 86_400_000;

/** Private scores with digits no public figure has: none of them may reach a page before the reveal. */
export const PRIVATE = { baseline: 0.31111, pat1: 0.52713, pat2: 0.61937, quinn1: 0.44281, quinn2: 0.58329 };
/** Quinn's last public score (sent on day 5, after the freeze in the freeze test). */
export const LATE_PUBLIC = 0.68123;

/**
 * A board with a history, written straight to the database so the scores are known: the Baseline
 * (day 0, public 0.3), Pat (0.41 on day 1, 0.55 on day 2, then a failed and a queued submission),
 * Quinn (0.47 on day 2.5, LATE_PUBLIC on day 5). `day(d)` is the ISO time of day d.
 */
export async function seedPlotBoard(handle: DbHandle, challengeId: number, users: { admin: number; pat: number; quinn: number }, day: (d: number) => string): Promise<void> {
  let n = 0;
  const insert = (user: number, d: number, pub: number | null, priv: number | null, status: 'scored' | 'failed' | 'queued' = 'scored', baseline = false) =>
    handle.db
      .insertInto('submissions')
      .values({
        challenge_id: challengeId,
        user_id: user,
        team_id: null,
        file_path: `submissions/seed/${++n}.csv`,
        original_name: `s${n}.csv`,
        sha256: String(n).padStart(64, '0'),
        size_bytes: 10,
        row_count: 1,
        status,
        public_score: pub,
        private_score: priv,
        selected: 0,
        is_baseline: baseline ? 1 : 0,
        created_at: day(d),
        scored_at: status === 'queued' ? null : day(d),
      })
      .execute();
  await insert(users.admin, 0, 0.3, PRIVATE.baseline, 'scored', true);
  await insert(users.pat, 1, 0.41, PRIVATE.pat1);
  await insert(users.pat, 2, 0.55, PRIVATE.pat2);
  await insert(users.pat, 3, null, null, 'failed');
  await insert(users.pat, 4, null, null, 'queued');
  await insert(users.quinn, 2.5, 0.47, PRIVATE.quinn1);
  await insert(users.quinn, 5, LATE_PUBLIC, PRIVATE.quinn2);
}
