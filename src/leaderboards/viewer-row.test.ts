import assert from 'node:assert/strict';
import { boardLines, type BoardLine } from './viewer-row.js';
import type { BoardRow } from './service.js';

const row = (i: number, extra: Partial<BoardRow> = {}): BoardRow => ({
  rank: i + 1, submissionId: i, userId: 100 + i, name: `p${i}`, teamId: null, members: [], score: 1 - i / 100, entries: 1, createdAt: '2026-01-01T00:00:00.000Z', isBaseline: false, rankChange: null, ...extra,
});
const board = (n: number) => Array.from({ length: n }, (_, i) => row(i));
const describe_ = (lines: BoardLine[]) => lines.map((l) => ('gap' in l ? `…${l.gap}` : `${l.name}${l.mine ? '*' : ''}${l.pinned ? '^' : ''}`));

describe('boardLines: the viewer\'s row', () => {
  it('marks the viewer\'s row on a short board and shows every row', () => {
    assert.deepEqual(describe_(boardLines(board(4), 'u:102')), ['p0', 'p1', 'p2*', 'p3']);
  });

  it('marks nothing for a visitor, and never a Baseline row', () => {
    assert.deepEqual(describe_(boardLines(board(3), null)), ['p0', 'p1', 'p2']);
    const rows = [row(0, { isBaseline: true, rank: null }), row(1)];
    assert.deepEqual(describe_(boardLines(rows, 'u:100')), ['p0', 'p1']);
  });

  it('matches a team row by the team, whoever of its members sent it', () => {
    const rows = [row(0), row(1, { teamId: 7, userId: 555 })];
    assert.deepEqual(describe_(boardLines(rows, 't:7')), ['p0', 'p1*']);
  });

  it('on a long board shows the top rows, a gap, and the viewer\'s row pinned last', () => {
    const lines = boardLines(board(40), 'u:135', { top: 25 });
    assert.deepEqual(describe_(lines).slice(24), ['p24', '…14', 'p35*^']);
    assert.equal(lines.length, 27);
  });

  it('on a long board with the viewer near the top, highlights in place and leaves the rest to the gap', () => {
    assert.deepEqual(describe_(boardLines(board(40), 'u:103', { top: 25 })).slice(2, 5), ['p2', 'p3*', 'p4']);
    assert.deepEqual(describe_(boardLines(board(40), 'u:103', { top: 25 })).slice(-1), ['…15']);
  });

  it('shows all rows on request, the viewer\'s pinned (sticky)', () => {
    const lines = boardLines(board(40), 'u:135', { top: 25, showAll: true });
    assert.equal(lines.length, 40);
    assert.deepEqual(describe_(lines).filter((l) => l.includes('*')), ['p35*^']);
  });
});

describe('boardLines: edges', () => {
  it('leaves out an empty gap when the viewer\'s row is the only one below the top', () => {
    assert.deepEqual(describe_(boardLines(board(26), 'u:125', { top: 25 })).slice(-2), ['p24', 'p25*^']);
  });
});
