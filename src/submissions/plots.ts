/**
 * "My submissions" as a chart: each scored submission's public score against when it was sent, with
 * the public leaderboard's current best as a labelled reference line, so an entrant sees at a glance
 * whether they are closing the gap.
 */
import { PLOT_COLOURS, direction, escapeXml, frameOf, px, scoreAxisY, scoreLabel, svgFigure, timeAxisX, xAxisTitle } from '../web/svg.js';
import { humanTime } from '../web/render.js';

export interface ScoredSubmission {
  id: number;
  /** When it was sent (ISO). */
  at: string;
  publicScore: number;
}

export interface MyScoresOptions {
  /** The public leaderboard's top score as this viewer sees the board, if it has a ranked row. */
  boardBest: number | null;
  metric: string;
  higherIsBetter: boolean;
  width?: number;
  height?: number;
}

/** The chart, or '' with nothing to plot (no submission with a public score the viewer may see). */
export function myScoresSvg(points: ScoredSubmission[], o: MyScoresOptions): string {
  const drawn = points.filter((p) => Number.isFinite(p.publicScore)).sort((a, b) => a.at.localeCompare(b.at));
  if (drawn.length === 0) return '';
  const f = frameOf(o.width ?? 480, o.height ?? 250);
  const scores = drawn.map((p) => p.publicScore);
  const yAxis = scoreAxisY(f, o.boardBest === null ? scores : [...scores, o.boardBest], `Public ${o.metric} (${direction(o.higherIsBetter)})`);
  const xAxis = timeAxisX(f, drawn[0].at, drawn[drawn.length - 1].at, 0.04);
  const parts = [yAxis.svg, xAxis.svg, xAxisTitle(f, "Submitted (UTC)")];

  if (o.boardBest !== null) {
    const y = px(yAxis.y(o.boardBest));
    const text = `Leaderboard best ${scoreLabel(o.boardBest)}`;
    parts.push(
      `<line x1="${f.left}" x2="${f.right}" y1="${y}" y2="${y}" stroke="${PLOT_COLOURS.reference}" stroke-width="1.5" stroke-dasharray="6 3" class="board-best" data-score="${o.boardBest}"><title>${escapeXml(text)}</title></line>`,
      `<text x="${f.right - 4}" y="${px(yAxis.y(o.boardBest) - 5)}" text-anchor="end" font-size="11" fill="${PLOT_COLOURS.reference}" class="board-best-label">${escapeXml(text)}</text>`,
    );
  }
  for (const p of drawn) {
    const tip = `#${p.id}: ${scoreLabel(p.publicScore)}, sent ${humanTime(p.at)}`;
    parts.push(
      `<circle cx="${px(xAxis.x(p.at))}" cy="${px(yAxis.y(p.publicScore))}" r="4.5" fill="${PLOT_COLOURS.primary}" stroke="#ffffff" class="submission-point" data-id="${p.id}" data-score="${p.publicScore}"><title>${escapeXml(tip)}</title></circle>`,
    );
  }

  const best = o.higherIsBetter ? Math.max(...scores) : Math.min(...scores);
  const label = `Public score of your ${drawn.length} scored submission${drawn.length === 1 ? '' : 's'} over time`;
  const description =
    `Your best public ${o.metric} is ${scoreLabel(best)} (${direction(o.higherIsBetter)}).` +
    (o.boardBest === null ? '' : ` The public leaderboard's best is ${scoreLabel(o.boardBest)}, drawn as a dashed line.`);
  return svgFigure(f, { className: 'my-scores', testid: 'my-scores-plot', label, description }, parts.join(''));
}
