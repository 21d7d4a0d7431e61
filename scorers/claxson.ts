/**
 * CLAXSON-style confusion tables: rows are the predicted class, columns the true class (the
 * transpose of scikit-learn's and of classification.ts), with precision in the right margin (per
 * row) and recall in the bottom margin (per column), as the CLAXSON results print them.
 *
 * A figure whose denominator is zero is null, not NaN or 0, so a page can show "—" and JSON keeps
 * it; classification.ts follows scikit-learn's zero_division=0 instead, which would show a class
 * nobody predicted as "precision 0".
 *
 * Abstentions: a prediction of ABSTAIN (-1) means the method gave no label (a crowd consensus with
 * too few votes, say). Such subjects are counted in `abstained` (and per true class in
 * `abstainedByTrue`) and left out of every count, margin, accuracy and F1, so the figures describe
 * the subjects the method did label; `coverage` says what share that was, and must be read with them.
 */
import { confusionMatrix } from './classification.js';

/** Bumped whenever the figures this module produces could change. */
export const CLAXSON_VERSION = '1';

/** The predicted code of a subject the method gave no label. */
export const ABSTAIN = -1;

export interface ClaxsonTable {
  version: string;
  k: number;
  /** counts[p][t]: labelled subjects of true class t predicted as p. */
  counts: number[][];
  /** Per predicted class (row sums): subjects given that class. */
  rowTotals: number[];
  /** Per true class (column sums): labelled subjects of that class. */
  columnTotals: number[];
  /** Right margin: counts[c][c] / rowTotals[c]; null when no subject was given class c. */
  precision: Array<number | null>;
  /** Bottom margin: counts[c][c] / columnTotals[c]; null when no labelled subject is of class c. */
  recall: Array<number | null>;
  /** 2·tp / (row total + column total), equal to 2PR/(P+R); null when class c is neither predicted nor true. */
  f1: Array<number | null>;
  /** Mean F1 over the classes whose F1 is defined (those present, as scikit-learn's macro average); null when none. */
  macroF1: number | null;
  /** Labelled subjects (the sum of counts). */
  n: number;
  correct: number;
  /** correct / n; null when n = 0. */
  accuracy: number | null;
  /** Subjects in the mask predicted ABSTAIN. */
  abstained: number;
  /** Abstentions per true class. */
  abstainedByTrue: number[];
  /** n / (n + abstained); null when the mask selects no subject. */
  coverage: number | null;
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/**
 * The CLAXSON table of `pred` against `truth` over the subjects whose mask entry is 1 (all when no
 * mask). Class codes are 0..k-1, and `pred` may also be ABSTAIN. Throws RangeError on any other code.
 */
export function claxsonTable(pred: Int32Array, truth: Int32Array, k: number, mask?: Uint8Array): ClaxsonTable {
  if (pred.length !== truth.length || (mask !== undefined && mask.length !== truth.length)) {
    throw new Error(`length mismatch (predicted ${pred.length}, true ${truth.length}${mask !== undefined ? `, mask ${mask.length}` : ''})`);
  }
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`number of classes must be a positive integer, got ${k}`);
  const labelled = new Uint8Array(truth.length);
  const abstainedByTrue = new Array<number>(k).fill(0);
  let abstained = 0;
  for (let i = 0; i < truth.length; i++) {
    if (mask !== undefined && mask[i] === 0) continue;
    if (pred[i] !== ABSTAIN) {
      labelled[i] = 1;
      continue;
    }
    const t = truth[i];
    if (t < 0 || t >= k) throw new RangeError(`row ${i}: true class code ${t} out of range 0..${k - 1}`);
    abstained++;
    abstainedByTrue[t]++;
  }
  // Rows = true there, so the table is its transpose.
  const byTrue = confusionMatrix(truth, pred, k, labelled);
  const counts: number[][] = [];
  for (let p = 0; p < k; p++) counts.push(Array.from({ length: k }, (_, t) => byTrue[t * k + p]));
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const columnTotals = Array.from({ length: k }, (_, t) => counts.reduce((a, row) => a + row[t], 0));
  const diagonal = Array.from({ length: k }, (_, c) => counts[c][c]);
  const f1 = diagonal.map((tp, c) => ratio(2 * tp, rowTotals[c] + columnTotals[c]));
  const definedF1 = f1.filter((v): v is number => v !== null);
  const n = rowTotals.reduce((a, b) => a + b, 0);
  const correct = diagonal.reduce((a, b) => a + b, 0);
  return {
    version: CLAXSON_VERSION,
    k,
    counts,
    rowTotals,
    columnTotals,
    precision: diagonal.map((tp, c) => ratio(tp, rowTotals[c])),
    recall: diagonal.map((tp, c) => ratio(tp, columnTotals[c])),
    f1,
    macroF1: ratio(definedF1.reduce((a, b) => a + b, 0), definedF1.length),
    n,
    correct,
    accuracy: ratio(correct, n),
    abstained,
    abstainedByTrue,
    coverage: ratio(n, n + abstained),
  };
}

/**
 * The two CLAXSON tables: sources whose labels volunteers could have seen (`known` = 1, e.g. the
 * gold/training set) and those they never saw (`known` = 0), each within the optional mask.
 */
export function claxsonTablesBySource(
  pred: Int32Array,
  truth: Int32Array,
  k: number,
  known: Uint8Array,
  mask?: Uint8Array,
): { known: ClaxsonTable; unknown: ClaxsonTable } {
  if (known.length !== truth.length) throw new Error(`known-source flags have ${known.length} entries, expected ${truth.length}`);
  if (mask !== undefined && mask.length !== truth.length) throw new Error(`mask has ${mask.length} entries, expected ${truth.length}`);
  const knownMask = new Uint8Array(truth.length);
  const unknownMask = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    if (mask !== undefined && mask[i] === 0) continue;
    if (known[i]) knownMask[i] = 1;
    else unknownMask[i] = 1;
  }
  return { known: claxsonTable(pred, truth, k, knownMask), unknown: claxsonTable(pred, truth, k, unknownMask) };
}
