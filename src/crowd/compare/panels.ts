/**
 * The comparison page's panels as data: each one as JSON and as a CSV table, for the page's export
 * links, /crowd/:slug/compare/<panel>.csv|.json and the token API. Each panel reads a ComparisonView,
 * which already holds only what the viewer may see; a panel made only of hidden results says so.
 *
 * To add a panel, add one entry to PANELS (its data may come from the context rather than the view).
 */
import type { DbHandle } from '../../db/index.js';
import { csvLine } from '../../csv.js';
import { UserError } from '../../web/errors.js';
import type { Workflow } from '../repo.js';
import type { CrowdConfig } from '../config.js';
import { calibrationPanel, calibrationRows } from '../calibration.js';
import type { ComparisonView } from './visibility.js';
import type { AmsPanel } from './ams.js';
import { SOURCE_TITLES } from './page.js';
import type { MethodTable, SourcePanel } from './tables.js';
import type { ObjectStorage } from '../../storage/index.js';

export interface PanelContext {
  handle: DbHandle;
  wf: Workflow;
  storage: ObjectStorage;
  crowd: Pick<CrowdConfig, 'CROWD_MIN_CONSENSUS_VOTES' | 'CROWD_PRIOR_STRENGTH'>;
}

export interface CsvTable {
  header: string[];
  rows: unknown[][];
}

export interface Panel {
  name: string;
  title: string;
  /** True when every figure in it is scored against the hidden solution. */
  hiddenOnly: boolean;
  /** Why the panel has no meaning for this challenge (answered with a 404), or null; absent: it always has. */
  inapplicable?(view: ComparisonView): string | null;
  json(view: ComparisonView, ctx: PanelContext): unknown;
  csv(view: ComparisonView, ctx: PanelContext): CsvTable | Promise<CsvTable>;
}

/** The source panels the viewer may see: known sources, then unknown ones when shown. */
const sourcesOf = (v: ComparisonView): SourcePanel[] => (v.unknown ? [v.known, v.unknown] : [v.known]);
const eachTable = (v: ComparisonView): Array<{ source: SourcePanel; t: MethodTable }> => sourcesOf(v).flatMap((source) => source.tables.map((t) => ({ source, t })));

const summary: Panel = {
  name: 'summary',
  title: 'Summary: accuracy and macro-F1 per method and source',
  hiddenOnly: false,
  json: (v) => ({ summary: eachTable(v).map(({ source, t }) => ({ source: source.source, method: t.method, kind: t.kind, submissionId: t.submissionId, subjects: source.subjects, labelled: t.table?.n ?? null, abstained: t.table?.abstained ?? null, coverage: t.table?.coverage ?? null, accuracy: t.intervals?.accuracy ?? null, macroF1: t.intervals?.macroF1 ?? null, missing: t.missing })) }),
  csv: (v) => ({
    header: ['source', 'method', 'kind', 'submission_id', 'subjects', 'labelled', 'abstained', 'coverage', 'accuracy', 'accuracy_lo', 'accuracy_hi', 'macro_f1', 'macro_f1_lo', 'macro_f1_hi', 'missing'],
    rows: eachTable(v).map(({ source, t }) => {
      const i = t.intervals;
      return [source.source, t.method, t.kind, t.submissionId, source.subjects, t.table?.n, t.table?.abstained, t.table?.coverage, i?.accuracy.estimate, i?.accuracy.lo, i?.accuracy.hi, i?.macroF1.estimate, i?.macroF1.lo, i?.macroF1.hi, t.missing];
    }),
  }),
};

const tables: Panel = {
  name: 'tables',
  title: 'CLAXSON tables (rows: predicted class, columns: true class)',
  hiddenOnly: false,
  json: (v) => ({ classes: v.classes, tables: eachTable(v).map(({ source, t }) => ({ source: source.source, method: t.method, kind: t.kind, submissionId: t.submissionId, table: t.table, missing: t.missing })) }),
  csv: (v) => ({
    header: ['source', 'method', 'predicted', ...v.classes, 'total', 'precision'],
    rows: eachTable(v).flatMap(({ source, t }) => {
      const x = t.table;
      if (!x) return [[source.source, t.method, t.missing]];
      const head = [source.source, t.method];
      return [
        ...v.classes.map((name, p) => [...head, name, ...x.counts[p], x.rowTotals[p], x.precision[p]]),
        [...head, 'total', ...x.columnTotals, x.n, null],
        [...head, 'recall', ...x.recall, null, x.accuracy],
        [...head, 'abstained', ...x.abstainedByTrue, x.abstained, null],
      ];
    }),
  }),
};

const intervals: Panel = {
  name: 'intervals',
  title: '95% bootstrap intervals of every figure',
  hiddenOnly: false,
  json: (v) => ({ bootstrap: v.methods.bootstrap, intervals: eachTable(v).filter(({ t }) => t.intervals).map(({ source, t }) => ({ source: source.source, method: t.method, kind: t.kind, intervals: t.intervals })) }),
  csv: (v) => ({
    header: ['source', 'method', 'figure', 'class', 'estimate', 'lo', 'hi', 'usable_resamples'],
    rows: eachTable(v).flatMap(({ source, t }) => {
      const i = t.intervals;
      if (!i) return [];
      const row = (figure: string, cls: string, x: { estimate: number | null; lo: number | null; hi: number | null; usable: number }) => [source.source, t.method, figure, cls, x.estimate, x.lo, x.hi, x.usable];
      return [row('accuracy', '', i.accuracy), row('macro_f1', '', i.macroF1), ...v.classes.flatMap((c, k) => [row('precision', c, i.precision[k]), row('recall', c, i.recall[k]), row('f1', c, i.f1[k])])];
    }),
  }),
};

const differences: Panel = {
  name: 'differences',
  title: 'Paired differences: crowd consensus minus ML',
  hiddenOnly: false,
  json: (v) => ({ differences: sourcesOf(v).flatMap((s) => s.differences.map((d) => ({ source: s.source, ...d }))) }),
  csv: (v) => ({
    header: ['source', 'a', 'b', 'figure', 'class', 'estimate', 'lo', 'hi', 'usable_resamples', 'text'],
    rows: sourcesOf(v).flatMap((s) => s.differences.flatMap((d) => d.lines.map((l) => [s.source, d.a, d.b, l.figure, l.className, l.estimate, l.lo, l.hi, l.usable, l.text]))),
  }),
};

const disagreements: Panel = {
  name: 'disagreements',
  title: 'Crowd × ML disagreements on test rows',
  hiddenOnly: true,
  json: (v) => ({ agreement: v.solution?.agreement ?? null }),
  csv: (v) => ({
    header: ['subject_id', 'name', 'crowd', 'ml', 'truth', 'right', 'crowd_confidence', 'votes'],
    rows: (v.solution?.agreement?.disagreements ?? []).map((d) => [d.subjectId, d.name, d.crowd, d.ml, d.truth, d.right, d.confidence, d.votes]),
  }),
};

const methods: Panel = {
  name: 'methods',
  title: 'Methods note',
  hiddenOnly: false,
  json: (v) => ({ methods: v.methods }),
  csv: (v) => {
    const m = v.methods;
    const spreadText = (s: (typeof m.votesPerSubject)['known']) => (s ? `median ${s.median}, range ${s.min}–${s.max} over ${s.n} subjects` : 'none scored');
    return {
      header: ['item', 'value'],
      rows: [
        ['aggregators', m.aggregators.join(' ')],
        ['reference consensus', m.reference?.aggregator ?? ''],
        ['retirement rule', m.retirement],
        ['minimum votes for a consensus', m.minConsensusVotes],
        [`votes per subject, ${SOURCE_TITLES.known}`, spreadText(m.votesPerSubject.known)],
        ...(v.hiddenShown ? [[`votes per subject, ${SOURCE_TITLES.unknown}`, spreadText(m.votesPerSubject.unknown)]] : []),
        ['volunteers', m.volunteers.total],
        ['simulated volunteers', m.volunteers.simulated],
        ['baseline submission', m.baseline?.submissionId ?? ''],
        ['baseline backend', m.baseline?.backend ?? ''],
        ['baseline seed', m.baseline?.seed ?? ''],
        ['baseline trained at', m.baseline?.trainedAt ?? ''],
        ['best ML submission', m.best?.submissionId ?? ''],
        ['best ML submitted at', m.best?.createdAt ?? ''],
        ['bootstrap seed', m.bootstrap.seed],
        ['bootstrap resamples', m.bootstrap.resamples],
        ['interval level', m.bootstrap.level],
      ],
    };
  },
};

/** Known sources only (training labels), so it is for everyone. */
const calibration: Panel = {
  name: 'calibration',
  title: 'Calibration on known sources: reliability bins and ECE per aggregator',
  hiddenOnly: false,
  json: async (_v, ctx) => ({ calibration: await calibrationPanel(ctx.handle.db, ctx.wf, ctx.crowd) }),
  csv: async (_v, ctx) => calibrationRows(await calibrationPanel(ctx.handle.db, ctx.wf, ctx.crowd)),
};

/** The AMS figures of the view; visiblePanel has already refused viewers without them. */
function amsOf(v: ComparisonView): AmsPanel {
  if (!v.ams?.scoredByAms || !v.ams.panel) throw new UserError(403, 'hidden_until_close', HIDDEN_AMS);
  return v.ams.panel;
}

const HIDDEN_AMS = 'The ams panel is scored against the hidden solution: only this challenge\'s organizers see it until its private leaderboard is revealed.';

/** Crowd AMS next to ML AMS: selections, thresholds and curves all use test labels and weights. */
const ams: Panel = {
  name: 'ams',
  title: 'AMS of the crowd\'s selection next to the baseline\'s and the best entry\'s, per subset, with curves',
  hiddenOnly: true,
  inapplicable: (v) => (v.ams?.scoredByAms ? null : `The ams panel is only for challenges scored by AMS; this one is scored by another metric.`),
  json: (v) => ({ ams: amsOf(v) }),
  csv: (v) => {
    const p = amsOf(v);
    const t = p.threshold;
    return {
      header: ['subset', 'method', 'kind', 'submission_id', 'events', 'selected', 's', 'b', 'ams', 'ams_lo', 'ams_hi', 'usable_resamples', 'threshold'],
      rows: [
        ...(t ? [['known sources', 'crowd threshold', 'crowd', null, t.gold, t.selected, t.s, t.b, t.ams, null, null, null, t.threshold]] : []),
        ...p.subsets.flatMap((s) => [
          ...s.methods.map((m) => [s.subset, m.name, m.kind, m.submissionId, s.events, m.selected, m.s, m.b, m.ams.estimate, m.ams.lo, m.ams.hi, m.ams.usable, m.kind === 'crowd' ? t?.threshold : null]),
          ...s.differences.map((d) => [s.subset, d.name, 'difference', null, s.events, null, null, null, d.difference.estimate, d.difference.lo, d.difference.hi, d.difference.usable, null]),
        ]),
      ],
    };
  },
};

/** Every panel, in page order. */
export const PANELS: Panel[] = [summary, tables, intervals, differences, calibration, ams, disagreements, methods];

export const panelNames = (): string[] => PANELS.map((p) => p.name);
export const findPanel = (name: string): Panel | undefined => PANELS.find((p) => p.name === name);

/** The panel, or a 404 where it has no meaning for the challenge (ams without AMS), or a 403 when it is made only of results the viewer may not see yet. */
export function visiblePanel(panel: Panel, view: ComparisonView): Panel {
  const inapplicable = panel.inapplicable?.(view);
  if (inapplicable) throw new UserError(404, 'panel_not_applicable', inapplicable);
  if (panel.hiddenOnly && !view.hiddenShown) throw new UserError(403, 'hidden_until_close', `The ${panel.name} panel is scored against the hidden solution: only this challenge's organizers see it until its private leaderboard is revealed.`);
  return panel;
}

export async function panelCsv(panel: Panel, view: ComparisonView, ctx: PanelContext): Promise<string> {
  const { header, rows } = await panel.csv(view, ctx);
  return csvLine(header) + rows.map((r) => csvLine(r)).join('');
}
