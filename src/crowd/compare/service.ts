/**
 * The comparison use case as the routes call it: build (or reuse) the full comparison, keep what the
 * viewer may see, and turn it into the page's model (tables with intervals, heatmaps, the forest plot).
 */
import type { Db } from '../../db/index.js';
import type { Interval } from '../../../scorers/bootstrap.js';
import type { ClaxsonTable } from '../../../scorers/claxson.js';
import { confusionHeatmapSvg } from '../plots/heatmap.js';
import { forestPlotSvg } from '../plots/forest.js';
import type { Workflow } from '../repo.js';
import { amsPageModel, amsView } from './ams.js';
import { buildComparison, SOURCE_TITLES } from './page.js';
import { PANELS } from './panels.js';
import type { MethodTable, SourcePanel } from './tables.js';
import { forViewer, HIDDEN_RULE, seesHiddenResults, type ComparisonView } from './visibility.js';
import type { ObjectStorage } from '../../storage/index.js';

export async function comparisonView(db: Db, wf: Workflow, storage: ObjectStorage, user: { id: number; role: string } | null | undefined, minConsensusVotes: number): Promise<ComparisonView> {
  const [full, shown] = await Promise.all([buildComparison(db, wf, storage, { minConsensusVotes }), seesHiddenResults(db, wf.challengeId, user)]);
  return { ...forViewer(full, shown), ams: await amsView(db, wf, storage, full.methods, shown, minConsensusVotes) };
}

const two = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(2));
/** A figure and its interval as the page prints them: "0.83" and "[0.71, 0.92]" (the interval under it, so columns stay narrow); "—" when undefined. */
export const withInterval = (i: Interval | undefined): { estimate: string; interval: string } =>
  !i || i.estimate === null ? { estimate: '—', interval: '' } : { estimate: two(i.estimate), interval: `[${two(i.lo)}, ${two(i.hi)}]` };

/** One CLAXSON table as the page prints it: counts, precision (right) and recall (bottom) with intervals, then F1. */
function tableModel(t: MethodTable, source: SourcePanel, classes: string[]) {
  const x: ClaxsonTable | null = t.table;
  const i = t.intervals;
  const title = `${t.method} · ${SOURCE_TITLES[source.source]}`;
  return {
    ...t,
    title,
    testid: `claxson-${source.source}-${t.method.replace(/[^A-Za-z0-9_]+/g, '-')}`,
    rows: x ? classes.map((name, p) => ({ name, counts: x.counts[p], total: x.rowTotals[p], precision: withInterval(i?.precision[p]) })) : [],
    columnTotals: x?.columnTotals ?? [],
    recall: x ? classes.map((_, c) => withInterval(i?.recall[c])) : [],
    f1: x ? classes.map((_, c) => withInterval(i?.f1[c])) : [],
    accuracy: withInterval(i?.accuracy),
    macroF1: withInterval(i?.macroF1),
    heatmap: x && x.n > 0 ? confusionHeatmapSvg(x, classes, { title }) : null,
  };
}

/** Everything the template needs beyond the view: formatted tables, heatmaps, the forest plot and the export links. */
export function pageModel(view: ComparisonView, wf: Workflow) {
  const sources = (view.unknown ? [view.known, view.unknown] : [view.known]).map((s) => ({
    ...s,
    title: SOURCE_TITLES[s.source],
    // The reference consensus and the ML methods first; the other aggregators fold away, as they rarely differ much.
    mainTables: s.tables.filter((t) => t.kind !== 'crowd' || t.method === view.methods.reference?.aggregator).map((t) => tableModel(t, s, view.classes)),
    otherTables: s.tables.filter((t) => t.kind === 'crowd' && t.method !== view.methods.reference?.aggregator).map((t) => tableModel(t, s, view.classes)),
  }));
  return {
    ...view,
    sources,
    hiddenRule: HIDDEN_RULE,
    mlEntries: view.solution ? [view.solution.ml.baseline, view.solution.ml.best].filter((e) => e !== null) : [],
    forestSvg: view.forest.length ? forestPlotSvg(view.forest, { title: 'Per-class F1 with 95% bootstrap intervals', width: 680 }) : null,
    ams: view.ams?.scoredByAms && view.ams.panel ? amsPageModel(view.ams.panel) : null,
    exports: PANELS.filter((p) => (view.hiddenShown || !p.hiddenOnly) && !p.inapplicable?.(view)).map((p) => ({ name: p.name, title: p.title, csvUrl: `/crowd/${wf.slug}/compare/${p.name}.csv`, jsonUrl: `/crowd/${wf.slug}/compare/${p.name}.json` })),
  };
}
