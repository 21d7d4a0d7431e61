/**
 * What a volunteer learns from a training answer: the clues this subject's own values give for its
 * true class (each citing the value and the range it falls in), and, after a wrong answer, the clues
 * that pointed to the class they chose, so they see what misled them. The rules are the
 * configuration's `clues:` (display/clues.ts); a HiggsML event display (a plot of kind `event`)
 * adds the physics clues of higgs/clues.ts. When nothing of this subject matches, the class's
 * general description stands in. Pure: no I/O.
 */
import { evaluateClues, type SubjectValues } from '../display/clues.js';
import type { CrowdConfig } from '../display/schema.js';
import { higgsClues, type ClueDirection } from '../higgs/clues.js';
import type { HiggsRow } from '../higgs/event.js';

export interface TrainingFeedback {
  trueClass: string;
  answer: string;
  /** The classes' display names from the configuration, when they do not just repeat the class name. */
  trueDisplay: string | null;
  answerDisplay: string | null;
  correct: boolean;
  /** Clues of this subject for its true class, each a sentence citing the value and its range. */
  supporting: string[];
  /** After a wrong answer: the clues of this subject that pointed to the answered class. */
  misleading: string[];
  /** The true class's general description, when no clue of this subject supports it. */
  generic: string | null;
}

/** HiggsML's labels (its Label column): which class a physics clue points to. */
export const HIGGS_CLASS_OF: Record<ClueDirection, string> = { signal: 's', background: 'b' };

/**
 * The quantity each physics clue reads, so a configuration rule that already cites it is not said
 * twice (the MET-direction clue is what DER_met_phi_centrality measures).
 */
const HIGGS_CLUE_QUANTITY: ReadonlyArray<[prefix: string, column: string]> = [
  ['mmc-', 'DER_mass_MMC'],
  ['met-', 'DER_met_phi_centrality'],
  ['mt-', 'DER_mass_transverse_met_lep'],
  ['vis-', 'DER_mass_vis'],
  ['pt-h', 'DER_pt_h'],
];

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function numericRow(values: SubjectValues): HiggsRow {
  const row: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number') row[k] = v;
  return row;
}

/** Every class's cited clues for this subject: configuration rules first, then physics clues on quantities no rule cited. */
export function citedClues(config: CrowdConfig, values: SubjectValues): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const cited = new Map<string, Set<string>>();
  for (const [cls, matched] of Object.entries(evaluateClues(config, values))) {
    out.set(cls, matched.map((m) => m.cited));
    cited.set(cls, new Set(matched.map((m) => m.column)));
  }
  if (config.plots.some((p) => p.kind === 'event')) {
    for (const clue of higgsClues(numericRow(values))) {
      const cls = HIGGS_CLASS_OF[clue.points];
      const quantity = HIGGS_CLUE_QUANTITY.find(([prefix]) => clue.id.startsWith(prefix))?.[1];
      if (quantity && cited.get(cls)?.has(quantity)) continue;
      out.set(cls, [...(out.get(cls) ?? []), capitalised(clue.text)]);
    }
  }
  return out;
}

/**
 * The feedback on one training answer. `genericClues` holds each class's general description (the
 * workflow's clue texts), shown for the true class when none of this subject's clues supports it.
 */
export function trainingFeedback(config: CrowdConfig, values: SubjectValues, trueClass: string, answer: string, genericClues: Readonly<Record<string, string>> = {}): TrainingFeedback {
  const clues = citedClues(config, values);
  const correct = trueClass === answer;
  const supporting = clues.get(trueClass) ?? [];
  // "X-ray binary" says more than "XRB"; "AGN (active galactic nucleus)" after "AGN" would say it twice.
  const display = (name: string) => {
    const d = config.classes.find((c) => c.name === name)?.display;
    return d && d !== name && !d.startsWith(`${name} `) ? d : null;
  };
  return {
    trueClass,
    answer,
    trueDisplay: display(trueClass),
    answerDisplay: display(answer),
    correct,
    supporting,
    misleading: correct ? [] : (clues.get(answer) ?? []),
    generic: supporting.length ? null : genericClues[trueClass] || null,
  };
}
