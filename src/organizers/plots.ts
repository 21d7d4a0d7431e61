/**
 * The organizer console's figures: entrants and submissions per UTC day, how the entrants' best public
 * and private scores are spread, and the job queue's state for the challenge. Pure functions from rows
 * to SVG strings, on the participants' plot frame (src/web/svg.ts). The score figure draws private
 * scores: only the console, which organizers alone reach, may show it.
 */
import { PLOT_COLOURS, countAxisY, direction, escapeXml, frameOf, legend, px, scoreLabel, svgFigure, xAxisTitle, type Frame } from '../web/svg.js';
import { binOf, histogramBins } from '../leaderboards/plots.js';
import { timeLeft } from '../web/render.js';

const DAY_MS = 86_400_000;
const DAY_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const DAY_YEAR_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const plural = (n: number, unit: string) => `${n.toLocaleString('en-GB')} ${unit}${n === 1 ? '' : 's'}`;

/** "5 Mar" for a UTC day (YYYY-MM-DD); "5 Mar 2026" with the year. */
export const dayLabel = (day: string, withYear = false): string => (withYear ? DAY_YEAR_LABEL : DAY_LABEL).format(Date.parse(`${day}T00:00:00Z`));

export interface DayCount {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Participants whose first submission was sent that day. */
  entrants: number;
  submissions: number;
}

/**
 * Every UTC day from `from` to `to` (ISO times; widened to the days that have data), each with its
 * submissions and its new entrants, zero on quiet days.
 */
export function dailySeries(submissions: Array<{ day: string; count: number }>, entrantFirstDays: string[], from: string, to: string): DayCount[] {
  const known = [...submissions.map((s) => s.day), ...entrantFirstDays];
  const first = [from.slice(0, 10), ...known].reduce((a, d) => (d < a ? d : a));
  const last = [to.slice(0, 10), ...known].reduce((a, d) => (d > a ? d : a));
  const days = new Map<string, DayCount>();
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.set(day, { day, entrants: 0, submissions: 0 });
  }
  for (const s of submissions) days.get(s.day)!.submissions += s.count;
  for (const d of entrantFirstDays) days.get(d)!.entrants++;
  return [...days.values()];
}

/** Day labels under a band axis: every day when few, else the first, middle and last. */
function dayTicks(f: Frame, days: string[], centre: (i: number) => number): string {
  const shown = days.length <= 7 ? days.map((_, i) => i) : [0, Math.floor((days.length - 1) / 2), days.length - 1];
  // Past a few months, a bare "5 Mar" could be either year.
  const withYear = days.length > 90;
  return shown
    .map((i) => {
      const anchor = days.length > 7 && i === 0 ? 'start' : days.length > 7 && i === days.length - 1 ? 'end' : 'middle';
      return `<text x="${px(centre(i))}" y="${f.bottom + 16}" text-anchor="${anchor}" font-size="10" class="x-tick" data-day="${days[i]}">${dayLabel(days[i], withYear)}</text>`;
    })
    .join('');
}

/** Submissions as the wide bar, and on top of it the day's new entrants (never more: each entrant's first submission is among them). */
const SERIES = [
  { key: 'submissions', name: 'Submissions', colour: PLOT_COLOURS.primary, share: 0.8 },
  { key: 'entrants', name: 'New entrants', colour: PLOT_COLOURS.highlight, share: 0.4 },
] as const;

/**
 * New entrants and submissions per UTC day: a bar per day, the entrants' narrower bar on top of the
 * submissions'. A bar stays at least 1.5 px wide, so a challenge that runs for years still shows its busy days. '' without days.
 */
export function activitySvg(days: DayCount[], o: { width?: number; height?: number } = {}): string {
  if (days.length === 0) return '';
  const f = frameOf(o.width ?? 480, o.height ?? 240, { left: 48, right: 16, top: 28, bottom: 40 });
  const yAxis = countAxisY(f, Math.max(...days.map((d) => Math.max(d.entrants, d.submissions))), 'Per day');
  const band = (f.right - f.left) / days.length;
  const parts = [yAxis.svg, legend(f, SERIES.map((s) => ({ name: s.name, colour: s.colour })))];
  days.forEach((d, i) => {
    for (const s of SERIES) {
      const count = d[s.key];
      if (count === 0) continue;
      const width = Math.max(1.5, band * s.share);
      parts.push(
        `<rect x="${px(f.left + (i + 0.5) * band - width / 2)}" y="${px(yAxis.y(count))}" width="${px(width)}" height="${px(f.bottom - yAxis.y(count))}" fill="${s.colour}" class="day-bar" data-series="${s.key}" data-day="${d.day}" data-count="${count}"><title>${escapeXml(`${dayLabel(d.day)}: ${plural(count, s.key === 'entrants' ? 'new entrant' : 'submission')}`)}</title></rect>`,
      );
    }
  });
  parts.push(dayTicks(f, days.map((d) => d.day), (i) => f.left + (i + 0.5) * band), xAxisTitle(f, 'Day (UTC)'));
  const entrants = days.reduce((a, d) => a + d.entrants, 0);
  const submissions = days.reduce((a, d) => a + d.submissions, 0);
  const span = `${dayLabel(days[0].day)} to ${dayLabel(days[days.length - 1].day)}`;
  const busiest = days.reduce((a, d) => (d.submissions > a.submissions ? d : a));
  const label = `New entrants and submissions per UTC day, ${span}: ${plural(entrants, 'entrant')}, ${plural(submissions, 'submission')}`;
  const description = `${days.length} days, quiet days included.${submissions ? ` The busiest day was ${dayLabel(busiest.day)} with ${plural(busiest.submissions, 'submission')}.` : ''}`;
  return svgFigure(f, { className: 'console-activity', testid: 'activity-plot', label, description }, parts.join(''));
}

export interface ScoreDistributionOptions {
  metric: string;
  higherIsBetter: boolean;
  width?: number;
  height?: number;
}

export interface ScoreBin {
  lo: number;
  hi: number;
  public: number;
  private: number;
}

/** The entrants' best public and private scores counted on the same bins (nice edges covering both). */
export function scoreBins(publicScores: number[], privateScores: number[]): ScoreBin[] {
  const pub = publicScores.filter(Number.isFinite);
  const priv = privateScores.filter(Number.isFinite);
  const edges = histogramBins([...pub, ...priv]);
  const bins = edges.map((b) => ({ lo: b.lo, hi: b.hi, public: 0, private: 0 }));
  for (const s of pub) bins[binOf(edges, s)].public++;
  for (const s of priv) bins[binOf(edges, s)].private++;
  return bins;
}

/**
 * The spread of the entrants' best public scores and, beside each bar, of their private scores:
 * organizers only. '' without scores.
 */
export function scoreDistributionSvg(bins: ScoreBin[], o: ScoreDistributionOptions): string {
  if (bins.length === 0) return '';
  const f = frameOf(o.width ?? 480, o.height ?? 240, { left: 48, right: 16, top: 28, bottom: 40 });
  const yAxis = countAxisY(f, Math.max(...bins.map((b) => Math.max(b.public, b.private))), 'Entrants');
  const x = (v: number) => f.left + ((v - bins[0].lo) / (bins[bins.length - 1].hi - bins[0].lo)) * (f.right - f.left);
  const series = [
    { key: 'public', name: 'Best public score', colour: PLOT_COLOURS.neutral },
    { key: 'private', name: 'Private score', colour: PLOT_COLOURS.reference },
  ] as const;
  const parts = [yAxis.svg, legend(f, series.map((s) => ({ name: s.name, colour: s.colour })), 150)];
  for (const b of bins) {
    const width = (x(b.hi) - x(b.lo) - 2) / 2;
    series.forEach((s, j) => {
      const count = b[s.key];
      const tip = `${s.name}, ${scoreLabel(b.lo)} to ${scoreLabel(b.hi)}: ${plural(count, 'entrant')}`;
      parts.push(
        `<rect x="${px(x(b.lo) + 1 + j * width)}" y="${px(yAxis.y(count))}" width="${px(width)}" height="${px(f.bottom - yAxis.y(count))}" fill="${s.colour}" class="bin" data-series="${s.key}" data-lo="${b.lo}" data-hi="${b.hi}" data-count="${count}"><title>${escapeXml(tip)}</title></rect>`,
      );
    });
  }
  const edges = bins.length <= 6 ? [...bins.map((b) => b.lo), bins[bins.length - 1].hi] : [bins[0].lo, bins[Math.floor(bins.length / 2)].lo, bins[bins.length - 1].hi];
  for (const e of edges) parts.push(`<text x="${px(x(e))}" y="${f.bottom + 16}" text-anchor="middle" font-size="10" class="x-tick" data-value="${e}">${scoreLabel(e)}</text>`);
  parts.push(xAxisTitle(f, `${o.metric} (${direction(o.higherIsBetter)})`));
  const publicCount = bins.reduce((a, b) => a + b.public, 0);
  const privateCount = bins.reduce((a, b) => a + b.private, 0);
  const label = `Distribution of ${plural(publicCount, 'best public score')} and ${plural(privateCount, 'private score')} of the entrants`;
  const description = `${bins.length} bins of width ${scoreLabel(bins[0].hi - bins[0].lo)} from ${scoreLabel(bins[0].lo)} to ${scoreLabel(bins[bins.length - 1].hi)}; public bars first, private beside them.`;
  return svgFigure(f, { className: 'console-scores', testid: 'score-distribution-plot', label, description }, parts.join(''));
}

/** The statuses a job goes through (src/jobs/queue.ts), in that order. */
export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type JobCounts = Record<(typeof JOB_STATUSES)[number], number>;

/** "3 hours 5 minutes" since `iso`, as timeLeft says durations. */
export const ageOf = (iso: string, now: number): string => timeLeft(new Date(now + Math.max(1000, now - Date.parse(iso))).toISOString(), now);

/**
 * The challenge's jobs by status as horizontal bars, each with its count, and the oldest queued job's
 * age in the text alternative. '' when the challenge has no job.
 */
export function jobQueueSvg(counts: JobCounts, oldestQueuedAt: string | null, o: { now?: number; width?: number } = {}): string {
  const total = JOB_STATUSES.reduce((a, s) => a + counts[s], 0);
  if (total === 0) return '';
  const rowHeight = 26;
  const f = frameOf(o.width ?? 420, JOB_STATUSES.length * rowHeight + 44, { left: 64, right: 56, top: 8, bottom: 36 });
  const max = Math.max(...JOB_STATUSES.map((s) => counts[s]));
  const x = (n: number) => f.left + (n / max) * (f.right - f.left);
  const colour = { queued: PLOT_COLOURS.highlight, running: PLOT_COLOURS.neutral, done: PLOT_COLOURS.primary, failed: PLOT_COLOURS.reference };
  const parts: string[] = [`<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.bottom}" class="axis" stroke="#666666"/>`];
  JOB_STATUSES.forEach((s, i) => {
    const y = f.top + i * rowHeight + 4;
    const n = counts[s];
    parts.push(
      `<text x="${f.left - 6}" y="${px(y + 13)}" text-anchor="end" font-size="11" class="y-tick">${s}</text>`,
      `<rect x="${f.left}" y="${px(y)}" width="${px(Math.max(n ? 1 : 0, x(n) - f.left))}" height="${rowHeight - 8}" fill="${colour[s]}" class="job-bar" data-status="${s}" data-count="${n}"><title>${escapeXml(`${s}: ${plural(n, 'job')}`)}</title></rect>`,
      `<text x="${px(x(n) + 4)}" y="${px(y + 13)}" font-size="11" class="job-count">${n.toLocaleString('en-GB')}</text>`,
    );
  });
  const oldest = oldestQueuedAt ? `the oldest queued job has waited ${ageOf(oldestQueuedAt, o.now ?? Date.now())}` : 'nothing waits in the queue';
  const waited = oldestQueuedAt ? `Oldest queued: ${ageOf(oldestQueuedAt, o.now ?? Date.now())}` : 'Nothing queued';
  parts.push(`<text x="${f.left}" y="${f.bottom + 24}" font-size="11" class="axis-label oldest-queued">${escapeXml(waited)}</text>`);
  const label = `Job queue for this challenge: ${JOB_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ')}; ${oldest}`;
  return svgFigure(f, { className: 'console-jobs', testid: 'job-queue-plot', label, description: `${plural(total, 'job')} in all.` }, parts.join(''));
}
