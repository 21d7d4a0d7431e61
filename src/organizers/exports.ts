/** The console's CSV exports: a leaderboard, or every submission. */
import type { Db } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { board } from '../leaderboards/service.js';
import { csvLine } from '../csv.js';

export const toCsv = (rows: Array<Record<string, unknown>>, columns: string[]): string => csvLine(columns) + rows.map((r) => csvLine(columns.map((k) => r[k]))).join('');

export async function exportBoard(db: Db, c: Challenge, which: 'public' | 'private') {
  const rows = await board(db, c, which, true, { live: true });
  return rows.map((r) => ({
    rank: r.rank, name: r.name, team_id: r.teamId, members: r.members.join('; '), user_id: r.userId, submission_id: r.submissionId,
    score: r.score, entries: r.entries, created_at: r.createdAt, is_baseline: r.isBaseline, rank_change: r.rankChange,
  }));
}
export const BOARD_COLUMNS = ['rank', 'name', 'team_id', 'members', 'user_id', 'submission_id', 'score', 'entries', 'created_at', 'is_baseline', 'rank_change'];

export async function exportSubmissions(db: Db, c: Challenge) {
  return db
    .selectFrom('submissions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('teams as t', 't.id', 's.team_id')
    .select([
      's.id', 's.user_id', 'u.name as user_name', 'u.email as user_email', 's.team_id', 't.name as team_name', 's.created_at', 's.status', 's.public_score',
      's.private_score', 's.scorer_version', 's.solution_sha256', 's.selected', 's.is_baseline', 's.original_name', 's.sha256', 's.size_bytes', 's.row_count',
      's.message', 's.error', 's.scored_at', 's.late',
    ])
    .where('s.challenge_id', '=', c.id)
    .orderBy('s.id')
    .execute();
}
export const SUBMISSION_COLUMNS = [
  'id', 'user_id', 'user_name', 'user_email', 'team_id', 'team_name', 'created_at', 'status', 'public_score', 'private_score', 'scorer_version',
  'solution_sha256', 'selected', 'is_baseline', 'original_name', 'sha256', 'size_bytes', 'row_count', 'message', 'error', 'scored_at', 'late',
];
