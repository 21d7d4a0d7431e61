/**
 * The calibration panel: how far each crowd aggregator's confidence can be trusted, measured on the
 * known sources (train rows served as live subjects, whose class volunteers never see: setup.ts).
 * Their labels are training labels, so this panel reveals no hidden data.
 *
 * For each aggregator (the live posterior, then each batch one from the last consensus job), the
 * reliability bins and ECE of its confidence on the known sources it labelled from at least
 * CROWD_MIN_CONSENSUS_VOTES votes; those labelled from fewer are left out and counted ("too few
 * votes"), as everywhere a consensus is shown.
 */
import type { Db } from '../db/index.js';
import { DEFAULT_BINS, reliability, type Reliability } from '../../scorers/calibration.js';
import { aggregators } from './aggregators/index.js';
import { LIVE_AGGREGATOR } from './compare.js';
import type { CrowdConfig } from './config.js';
import { priorStrengthOf } from './consensus.js';
import { reliabilityDiagramSvg } from './plots/reliability.js';
import type { Workflow } from './repo.js';

export interface AggregatorCalibration extends Reliability {
  aggregator: string;
  source: 'live' | 'batch';
  /** Pseudo-votes per confusion row of the volunteers' prior behind this consensus; null when it has none (or it predates the record). */
  priorStrength: number | null;
  /** Known sources with a consensus from fewer than minVotes votes: left out of n. */
  tooFewVotes: number;
}

export interface CalibrationPanel {
  /** Known sources in the workflow. */
  knownSources: number;
  minVotes: number;
  /** The prior strength now configured (the next consensus job uses it). */
  priorStrength: number;
  /** When the batch aggregators last ran; null when never. */
  computedAt: string | null;
  aggregators: AggregatorCalibration[];
}

interface Labelled {
  label: number;
  confidence: number;
  votes: number;
}

/** One aggregator's figures over the known sources it labelled (truth by subject id). */
function calibrationOf(labels: Labelled[], truths: number[], minVotes: number): Pick<AggregatorCalibration, 'tooFewVotes'> & Reliability {
  const kept = labels.map((l, i) => ({ l, t: truths[i] })).filter(({ l }) => l.votes >= minVotes);
  const confidence = Float64Array.from(kept, ({ l }) => Math.min(1, Math.max(0, l.confidence)));
  const correct = Uint8Array.from(kept, ({ l, t }) => (l.label === t ? 1 : 0));
  return { ...reliability(confidence, correct, DEFAULT_BINS), tooFewVotes: labels.length - kept.length };
}

export async function calibrationPanel(db: Db, wf: Workflow, cfg: Pick<CrowdConfig, 'CROWD_MIN_CONSENSUS_VOTES' | 'CROWD_PRIOR_STRENGTH'>): Promise<CalibrationPanel> {
  const k = wf.classes.length;
  const minVotes = cfg.CROWD_MIN_CONSENSUS_VOTES;
  const known = await db.selectFrom('crowd_subjects').select(['id', 'gold_class', 'vote_count', 'consensus_class', 'consensus_confidence']).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).where('gold_class', 'is not', null).orderBy('id').execute();
  const truth = new Map(known.map((s) => [s.id, s.gold_class!]));

  const live = known.filter((s) => s.vote_count > 0 && s.consensus_class !== null);
  const out: AggregatorCalibration[] = [
    {
      aggregator: LIVE_AGGREGATOR,
      source: 'live',
      priorStrength: priorStrengthOf(LIVE_AGGREGATOR, k, cfg.CROWD_PRIOR_STRENGTH),
      ...calibrationOf(
        live.map((s) => ({ label: s.consensus_class!, confidence: s.consensus_confidence ?? 0, votes: s.vote_count })),
        live.map((s) => s.gold_class!),
        minVotes,
      ),
    },
  ];

  const batch = await db
    .selectFrom('crowd_consensus as c')
    .innerJoin('crowd_subjects as s', 's.id', 'c.subject_id')
    .select(['c.subject_id', 'c.aggregator', 'c.label', 'c.confidence', 'c.n_votes', 'c.prior_strength', 'c.computed_at'])
    .where('c.workflow_id', '=', wf.id)
    .where('s.is_gold', '=', 0)
    .where('s.gold_class', 'is not', null)
    .orderBy('c.subject_id')
    .execute();
  const byAggregator = new Map<string, typeof batch>();
  for (const b of batch) byAggregator.set(b.aggregator, [...(byAggregator.get(b.aggregator) ?? []), b]);
  const order = [...Object.keys(aggregators), ...[...byAggregator.keys()].filter((a) => !(a in aggregators)).sort()];
  for (const name of order) {
    const rows = byAggregator.get(name);
    if (!rows) continue;
    out.push({
      aggregator: name,
      source: 'batch',
      priorStrength: rows[0].prior_strength,
      ...calibrationOf(
        rows.map((r) => ({ label: r.label, confidence: r.confidence, votes: r.n_votes })),
        rows.map((r) => truth.get(r.subject_id)!),
        minVotes,
      ),
    });
  }
  return { knownSources: known.length, minVotes, priorStrength: cfg.CROWD_PRIOR_STRENGTH, computedAt: batch[0]?.computed_at ?? null, aggregators: out };
}

/** The panel with its reliability diagram, as views/partials/crowd-calibration.hbs reads it. */
export function calibrationView(panel: CalibrationPanel) {
  const shown = panel.aggregators.filter((a) => a.n > 0);
  return {
    ...panel,
    svg: shown.length ? reliabilityDiagramSvg(shown.map((a) => ({ method: a.aggregator, reliability: a })), { title: 'Crowd confidence on known sources' }) : '',
    rows: panel.aggregators.map((a) => ({
      ...a,
      ece: a.ece === null ? '—' : a.ece.toFixed(3),
      meanConfidence: a.meanConfidence === null ? '—' : a.meanConfidence.toFixed(3),
      accuracy: a.accuracy === null ? '—' : a.accuracy.toFixed(3),
      priorStrength: a.priorStrength === null ? '—' : String(a.priorStrength),
    })),
  };
}

/** One CSV row per aggregator and bin. */
export function calibrationRows(panel: CalibrationPanel): { header: string[]; rows: unknown[][] } {
  const num = (v: number | null) => (v === null ? '' : Number(v.toFixed(6)));
  return {
    header: ['aggregator', 'source', 'prior_strength', 'min_votes', 'too_few_votes', 'n', 'ece', 'bin_lower', 'bin_upper', 'count', 'mean_confidence', 'accuracy'],
    rows: panel.aggregators.flatMap((a) => a.bins.map((b) => [a.aggregator, a.source, a.priorStrength, panel.minVotes, a.tooFewVotes, a.n, num(a.ece), b.lower, b.upper, b.count, num(b.meanConfidence), num(b.accuracy)])),
  };
}
