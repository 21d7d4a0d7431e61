/**
 * The submission plots. "My submissions" as a chart: each scored submission's public score against when it was sent, with
 * the public leaderboard's current best as a labelled reference line, so an entrant sees at a glance
 * whether they are closing the gap.
 */
import { PLOT_COLOURS, direction, escapeXml, frameOf, niceDomain, px, scoreAxisY, scoreLabel, svgFigure, timeAxisX, xAxisTitle, type Frame } from '../web/svg.js';
import type { StoredAmsCurve } from './figures.js';
import { confusionHeatmapSvg } from './heatmap.js';
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

/** A fraction 0..1 on the horizontal axis, ticks every 0.2. */
function fractionAxisX(f: Frame): { x: (v: number) => number; svg: string } {
  const x = (v: number) => f.left + v * (f.right - f.left);
  const parts = [`<line x1="${f.left}" x2="${f.right}" y1="${f.bottom}" y2="${f.bottom}" class="axis" stroke="#666666"/>`];
  for (const t of niceDomain(0, 1).ticks) {
    parts.push(`<text x="${px(x(t))}" y="${f.bottom + 16}" text-anchor="${t === 0 ? 'start' : t === 1 ? 'end' : 'middle'}" font-size="10" class="x-tick">${t}</text>`);
  }
  return { x, svg: parts.join('') };
}

/**
 * The AMS a HiggsML submission would get selecting each fraction of the subset's events, most
 * signal-like first by its RankOrder, with its own cut (its Class = s share) and the best cut marked.
 */
export function amsCurveSvg(curve: StoredAmsCurve, o: { subset: string; width?: number; height?: number }): string {
  if (!Array.isArray(curve.points) || curve.points.length < 2) return '';
  const f = frameOf(o.width ?? 480, o.height ?? 270, { left: 56, right: 16, top: 30, bottom: 40 });
  const yAxis = scoreAxisY(f, [0, ...curve.points.map((p) => p[1]), curve.max.ams, curve.cut.ams], `AMS (b_reg ${curve.b_reg}, higher is better)`);
  const xAxis = fractionAxisX(f);
  const parts = [yAxis.svg, xAxis.svg, xAxisTitle(f, 'Fraction of events selected, by RankOrder')];
  const d = curve.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(xAxis.x(p[0]))},${px(yAxis.y(p[1]))}`).join('');
  parts.push(`<path d="${d}" fill="none" stroke="${PLOT_COLOURS.primary}" stroke-width="2" class="ams-curve-line"/>`);
  const mark = (m: StoredAmsCurve['cut'], name: string, className: string, colour: string, dy: number) => {
    const x = xAxis.x(m.fraction);
    const y = yAxis.y(m.ams);
    const text = `${name}: AMS ${scoreLabel(m.ams)} at ${(m.fraction * 100).toFixed(1)}% (${m.selected} of ${curve.n} events)`;
    const anchor = m.fraction > 0.6 ? 'end' : 'start';
    parts.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${f.top}" y2="${f.bottom}" stroke="${colour}" stroke-width="1.2" stroke-dasharray="5 3" class="${className}-line"/>`,
      `<circle cx="${px(x)}" cy="${px(y)}" r="5" fill="${colour}" stroke="#ffffff" class="${className}" data-fraction="${m.fraction}" data-ams="${m.ams}"><title>${escapeXml(text)}</title></circle>`,
      `<text x="${px(x + (anchor === 'end' ? -6 : 6))}" y="${f.top + dy}" text-anchor="${anchor}" font-size="11" fill="${colour}" class="${className}-label">${escapeXml(`${name} ${scoreLabel(m.ams)}`)}</text>`,
    );
  };
  // The two labels sit on different lines at the top, so they never overlap when the cuts are close.
  mark(curve.max, 'Best cut', 'ams-max', PLOT_COLOURS.highlight, -6);
  mark(curve.cut, 'Your cut', 'ams-cut', PLOT_COLOURS.reference, 12);
  const label = `AMS of the ${o.subset} subset against the fraction of events selected`;
  const description =
    `Selecting the most signal-like events first (highest RankOrder), the AMS peaks at ${scoreLabel(curve.max.ams)} with ${(curve.max.fraction * 100).toFixed(1)}% of the ${curve.n} events selected. ` +
    `This submission's cut (its Class s rows, ${(curve.cut.fraction * 100).toFixed(1)}%) gives ${scoreLabel(curve.cut.ams)} along its ranking.`;
  return svgFigure(f, { className: 'ams-curve', testid: `ams-curve-${o.subset}`, label, description }, parts.join(''));
}

export interface SubsetFigures {
  heatmap: string;
  curve: string;
  /** An AMS challenge's submission scored before curves were stored. */
  curveMissing: boolean;
}

/**
 * The submission page's figures for one subset's details, as the viewer may see them: null when
 * they see no details (a participant before the close).
 */
export function subsetFiguresSvg(details: Record<string, unknown> | undefined | null, metric: string, subset: string): SubsetFigures | null {
  if (!details) return null;
  const heatmap = Array.isArray(details.classes) && Array.isArray(details.confusion) ? confusionHeatmapSvg(details.classes as string[], details.confusion as number[][], { subset }) : '';
  const stored = details.ams_curve as StoredAmsCurve | undefined;
  const curve = metric === 'ams' && stored ? amsCurveSvg(stored, { subset }) : '';
  return { heatmap, curve, curveMissing: metric === 'ams' && !curve };
}
