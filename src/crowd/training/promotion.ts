/**
 * When a volunteer in training (gold subjects only) has earned live subjects: at least `correct`
 * right among their last `window` gold answers and, when `eachClass`, a right answer in every class
 * that has gold subjects. A window of 0 is no gate at all. Pure: the answers come from the caller.
 */
export interface PromotionRule {
  correct: number;
  window: number;
  eachClass: boolean;
}

export interface TrainingStatus {
  promoted: boolean;
  /** When the voter was promoted (ISO); null while in training, or when the workflow has no gate. */
  promotedAt: string | null;
  /** Right answers among the last `window` gold answers. */
  correctInWindow: number;
  /** Gold answers counted so far (at most `window`). */
  answeredInWindow: number;
  window: number;
  /** Right answers the rule asks for among the last `window`. */
  correctNeeded: number;
  /** More right answers needed (0 when the count is reached). */
  needed: number;
  /** Classes (names) with gold subjects in which the voter has no right answer yet, when the rule asks for one per class. */
  classesStillNeeded: string[];
}

/**
 * The status from the voter's recent gold answers (newest first, at most rule.window of them), the
 * classes they have answered right at least once, and the classes that have gold subjects.
 */
export function promotionStatus(rule: PromotionRule, recentCorrect: readonly boolean[], rightClasses: ReadonlySet<string>, goldClasses: readonly string[]): TrainingStatus {
  const counted = recentCorrect.slice(0, rule.window);
  const correctInWindow = counted.filter(Boolean).length;
  const needed = Math.max(0, rule.correct - correctInWindow);
  const classesStillNeeded = rule.eachClass ? goldClasses.filter((c) => !rightClasses.has(c)) : [];
  return {
    promoted: rule.window === 0 || (needed === 0 && classesStillNeeded.length === 0),
    promotedAt: null,
    correctInWindow,
    answeredInWindow: counted.length,
    window: rule.window,
    correctNeeded: rule.correct,
    needed: rule.window === 0 ? 0 : needed,
    classesStillNeeded: rule.window === 0 ? [] : classesStillNeeded,
  };
}

/**
 * The classes (codes) a right answer is asked for: those with gold subjects, less those whose gold
 * this voter has all answered without a right one (nothing is left to learn them from, and holding
 * the voter for them would hold them for good). `gold`: gold subjects per class; `answers`: the
 * voter's gold answers.
 */
export function classesToLearn(gold: ReadonlyMap<number, number>, answers: ReadonlyArray<{ goldClass: number; correct: boolean }>): number[] {
  const answered = new Map<number, number>();
  const right = new Set<number>();
  for (const a of answers) {
    answered.set(a.goldClass, (answered.get(a.goldClass) ?? 0) + 1);
    if (a.correct) right.add(a.goldClass);
  }
  return [...gold.keys()].filter((c) => right.has(c) || (answered.get(c) ?? 0) < gold.get(c)!).sort((a, b) => a - b);
}

/** "AGN", "AGN and CV", "AGN, Star and CV". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Where the voter stands, in one sentence for the classify page; empty when the workflow has no training gate. */
export function statusSentence(s: TrainingStatus, displayName: (cls: string) => string = (c) => c): string {
  if (s.window === 0) return '';
  if (s.promoted) return 'You have finished training: you now classify live subjects, with a training subject now and then.';
  const needs: string[] = [];
  if (s.needed > 0) needs.push(`${s.needed} more right ${s.needed === 1 ? 'answer' : 'answers'} (${s.correctNeeded} of your last ${s.window})`);
  if (s.classesStillNeeded.length) needs.push(`a right answer in ${s.classesStillNeeded.length === 1 ? 'the class' : 'each of the classes'} ${listInWords(s.classesStillNeeded.map(displayName))}`);
  const so = s.answeredInWindow ? `${s.correctInWindow} of your last ${s.answeredInWindow} ${s.answeredInWindow === 1 ? 'answer' : 'answers'} right` : 'no answers yet';
  return `Training: ${so}; you still need ${listInWords(needs)} before live subjects.`;
}
