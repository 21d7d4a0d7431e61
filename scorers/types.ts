/**
 * Shared shapes for scoring. Everything here is typed arrays indexed by the
 * solution's row order, so scorers never see strings or ids.
 */

/** Usage codes of a solution row, as in Kaggle's solution files. */
export const USAGE = { Ignored: 0, Public: 1, Private: 2 } as const;
export type UsageCode = (typeof USAGE)[keyof typeof USAGE];

/** The hidden answer key of a challenge, loaded once per solution file (cached by sha256). */
export interface Solution {
  sha256: string;
  /** Row ids in solution file order. */
  ids: string[];
  /** id -> row index. */
  index: Map<string, number>;
  /** Class names; a class code is an index into this array. */
  classes: string[];
  /** True class code of each row. */
  label: Int32Array;
  /** Row weight (1 when the solution has no Weight column). */
  weight: Float64Array;
  /** USAGE code of each row. */
  usage: Uint8Array;
}

/** A parsed, validated submission aligned to the solution's row order. */
export interface Prediction {
  /** Predicted class code of each row. */
  label: Int32Array;
  /** HiggsML RankOrder of each row (1 = least signal-like), when the format has one. */
  rank?: Int32Array;
  /** Row-major n x K class probabilities, when the format has them. */
  proba?: Float64Array;
}

/** Which rows a score is computed on. */
export type Subset = 'public' | 'private';

export interface MetricResult {
  /** The leaderboard number. */
  score: number;
  /** Everything else worth showing the submitter (confusion matrix, per-class figures, s and b...). */
  details: Record<string, unknown>;
}

export interface Metric {
  name: string;
  /** Bumped whenever the numbers this metric produces could change. */
  version: string;
  higherIsBetter: boolean;
  /** What the prediction must carry for this metric. */
  needs: 'label' | 'proba';
  /**
   * What a solution subset (rows whose mask entry is 1, never empty here) lacks for this metric to
   * be defined on any prediction: one line per problem, empty when it can be scored. Pure; run when
   * a challenge is validated, so a participant never meets an unscorable subset.
   */
  requires(sol: Solution, rows: Uint8Array, options: Record<string, unknown>): string[];
  /** Options from challenge.yaml (for AMS: positive class, Ns, Nb, b_reg). */
  score(pred: Prediction, sol: Solution, rows: Uint8Array, options: Record<string, unknown>): MetricResult;
}
