/**
 * The public leaderboard's figures: how the top public score (and the Baseline's) moved over the
 * challenge, as Kaggle draws it, and how the board's public scores are spread, with the viewer's own
 * row marked. They only ever receive public scores.
 */
import { PLOT_COLOURS, countAxisY, direction, escapeXml, frameOf, niceDomain, px, scoreAxisY, scoreLabel, svgFigure, timeAxisX, xAxisTitle } from '../web/svg.js';
import { humanTime } from '../web/render.js';

export interface TimedScore {
  /** ISO time. */
  at: string;
  score: number;
}

/** The running best: the scores that beat every earlier one, in time order ("best" = lowest when lower is better). */
export function bestSoFar(scores: TimedScore[], higherIsBetter: boolean): TimedScore[] {
  const steps: TimedScore[] = [];
  for (const s of [...scores].sort((a, b) => a.at.localeCompare(b.at))) {
    const best = steps[steps.length - 1];
    if (!best || (higherIsBetter ? s.score > best.score : s.score < best.score)) steps.push(s);
  }
  return steps;
}

export interface HistoryOptions {
  /** Where the lines end: now, the freeze or the close. */
  end: string;
  metric: string;
  higherIsBetter: boolean;
  width?: number;
  height?: number;
}

/**
 * A step line through the running best of the entrants' submissions and, dashed, the Baseline's. ''
 * when neither has a scored submission.
 */
export function historySvg(series: { top: TimedScore[]; baseline: TimedScore[] }, o: HistoryOptions): string {
  const top = bestSoFar(series.top, o.higherIsBetter);
  const baseline = bestSoFar(series.baseline, o.higherIsBetter);
  const all = [...top, ...baseline];
  if (all.length === 0) return '';
  const f = frameOf(o.width ?? 480, o.height ?? 270, { left: 64, right: 16, top: 30, bottom: 40 });
  const start = all.reduce((a, s) => (s.at < a ? s.at : a), all[0].at);
  const end = all.reduce((a, s) => (s.at > a ? s.at : a), o.end);
  const yAxis = scoreAxisY(f, all.map((s) => s.score), `Public ${o.metric} (${direction(o.higherIsBetter)})`);
  const xAxis = timeAxisX(f, start, end);
  const parts = [yAxis.svg, xAxis.svg, xAxisTitle(f, "Time (UTC)")];

  const line = (steps: TimedScore[], name: string, colour: string, dash: string, index: number) => {
    if (steps.length === 0) return;
    const d = [`M${px(xAxis.x(steps[0].at))},${px(yAxis.y(steps[0].score))}`, ...steps.slice(1).map((s) => `H${px(xAxis.x(s.at))}V${px(yAxis.y(s.score))}`), `H${px(xAxis.x(end))}`].join('');
    const last = steps[steps.length - 1];
    const dashAttribute = dash ? ` stroke-dasharray="${dash}"` : '';
    parts.push(
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dashAttribute} class="history-line" data-series="${name}" data-last-score="${last.score}"><title>${escapeXml(`${name}: ${scoreLabel(last.score)} since ${humanTime(last.at)}`)}</title></path>`,
    );
    for (const s of steps) {
      parts.push(
        `<circle cx="${px(xAxis.x(s.at))}" cy="${px(yAxis.y(s.score))}" r="3" fill="${colour}" class="history-step" data-series="${name}" data-score="${s.score}"><title>${escapeXml(`${name}: ${scoreLabel(s.score)} from ${humanTime(s.at)}`)}</title></circle>`,
      );
    }
    const lx = f.left + index * 150;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="14" y2="14" stroke="${colour}" stroke-width="2"${dashAttribute}/>`);
    parts.push(`<text x="${lx + 28}" y="18" font-size="11" class="legend-label">${escapeXml(name)}</text>`);
  };
  line(top, 'Top score', PLOT_COLOURS.primary, '', 0);
  line(baseline, 'Baseline', PLOT_COLOURS.baseline, '6 3', 1);

  const label = `How the top public ${o.metric} moved over the challenge${baseline.length ? ', with the Baseline' : ''}`;
  const said = (name: string, steps: TimedScore[]) =>
    steps.length ? ` ${name}: ${steps.length} step${steps.length === 1 ? '' : 's'}, from ${scoreLabel(steps[0].score)} to ${scoreLabel(steps[steps.length - 1].score)}.` : '';
  return svgFigure(f, { className: 'score-history', testid: 'score-history', label, description: `Step lines, ${direction(o.higherIsBetter)}.${said('Top score', top)}${said('Baseline', baseline)}` }, parts.join(''));
}

export interface Bin {
  lo: number;
  hi: number;
  count: number;
}

/** Equal-width bins on nice edges covering every score; a score on an inner edge goes to the bin above it. */
export function histogramBins(scores: number[], binCount = Math.min(12, Math.max(4, Math.ceil(Math.sqrt(scores.length))))): Bin[] {
  if (scores.length === 0) return [];
  const d = niceDomain(Math.min(...scores), Math.max(...scores), binCount);
  const n = Math.max(1, Math.round((d.hi - d.lo) / d.step));
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({ lo: Number((d.lo + i * d.step).toPrecision(12)), hi: Number((d.lo + (i + 1) * d.step).toPrecision(12)), count: 0 }));
  for (const s of scores) bins[binOf(bins, s)].count++;
  return bins;
}

/** The index of the bin holding `score` (the last bin holds its upper edge). */
export function binOf(bins: Bin[], score: number): number {
  const i = bins.findIndex((b) => score >= b.lo && score < b.hi);
  return i >= 0 ? i : score < bins[0].lo ? 0 : bins.length - 1;
}

export interface HistogramOptions {
  /** The viewer's own public score, when they have a row on the board. */
  mine: number | null;
  metric: string;
  higherIsBetter: boolean;
  width?: number;
  height?: number;
}

/** A histogram of the board's public scores, the viewer's bin filled in another colour and their score marked. '' without scores. */
export function histogramSvg(scores: number[], o: HistogramOptions): string {
  const bins = histogramBins(scores.filter(Number.isFinite));
  if (bins.length === 0) return '';
  const f = frameOf(o.width ?? 480, o.height ?? 230, { left: 48, right: 16, top: 24, bottom: 40 });
  const x = (v: number) => f.left + ((v - bins[0].lo) / (bins[bins.length - 1].hi - bins[0].lo)) * (f.right - f.left);
  const yAxis = countAxisY(f, Math.max(...bins.map((b) => b.count)), 'Entrants');
  const y = yAxis.y;
  const mineBin = o.mine === null ? -1 : binOf(bins, o.mine);
  const parts: string[] = [yAxis.svg];
  bins.forEach((b, i) => {
    const mine = i === mineBin;
    const tip = `${scoreLabel(b.lo)} to ${scoreLabel(b.hi)}: ${b.count} entrant${b.count === 1 ? '' : 's'}${mine ? ' (yours)' : ''}`;
    parts.push(
      `<rect x="${px(x(b.lo) + 1)}" y="${px(y(b.count))}" width="${px(x(b.hi) - x(b.lo) - 2)}" height="${px(f.bottom - y(b.count))}" fill="${mine ? PLOT_COLOURS.highlight : PLOT_COLOURS.neutral}" class="bin${mine ? ' mine' : ''}" data-lo="${b.lo}" data-hi="${b.hi}" data-count="${b.count}"><title>${escapeXml(tip)}</title></rect>`,
    );
  });
  const edges = bins.length <= 6 ? [...bins.map((b) => b.lo), bins[bins.length - 1].hi] : [bins[0].lo, bins[Math.floor(bins.length / 2)].lo, bins[bins.length - 1].hi];
  for (const e of edges) parts.push(`<text x="${px(x(e))}" y="${f.bottom + 16}" text-anchor="middle" font-size="10" class="x-tick" data-value="${e}">${scoreLabel(e)}</text>`);
  parts.push(xAxisTitle(f, `Public ${o.metric} (${direction(o.higherIsBetter)})`));

  if (o.mine !== null) {
    const mx = px(x(o.mine));
    const text = `You: ${scoreLabel(o.mine)}`;
    const anchor = x(o.mine) > (f.left + f.right) / 2 ? 'end' : 'start';
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${f.top - 6}" y2="${f.bottom}" stroke="${PLOT_COLOURS.reference}" stroke-width="2" stroke-dasharray="4 2" class="mine-marker" data-score="${o.mine}"><title>${escapeXml(text)}</title></line>`,
      `<text x="${px(x(o.mine) + (anchor === 'end' ? -4 : 4))}" y="${f.top - 10}" text-anchor="${anchor}" font-size="11" fill="${PLOT_COLOURS.reference}" class="mine-label">${escapeXml(text)}</text>`,
    );
  }

  const label = `Distribution of the ${scores.length} public leaderboard score${scores.length === 1 ? '' : 's'}${o.mine === null ? '' : ', with yours marked'}`;
  const description = `${bins.length} bins of width ${scoreLabel(bins[0].hi - bins[0].lo)} from ${scoreLabel(bins[0].lo)} to ${scoreLabel(bins[bins.length - 1].hi)}${o.mine === null ? '' : `; your score ${scoreLabel(o.mine)} falls in ${scoreLabel(bins[mineBin].lo)} to ${scoreLabel(bins[mineBin].hi)}`}.`;
  return svgFigure(f, { className: 'score-histogram', testid: 'score-histogram', label, description }, parts.join(''));
}
