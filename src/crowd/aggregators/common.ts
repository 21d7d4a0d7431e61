import type { Consensus, VoteSet } from './types.js';

/** Throws a RangeError when the vote arrays are inconsistent or an index is out of range. One pass. */
export function checkVotes(votes: VoteSet): void {
  const { nSubjects, nVolunteers, k, subject, volunteer, answer, gold } = votes;
  for (const [name, n] of [['nSubjects', nSubjects], ['nVolunteers', nVolunteers], ['k', k]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  }
  if (k < 1) throw new RangeError('k must be at least 1');
  const n = subject.length;
  if (volunteer.length !== n || answer.length !== n) {
    throw new RangeError(`subject, volunteer and answer must have the same length (${n}, ${volunteer.length}, ${answer.length})`);
  }
  if (gold && gold.length !== nSubjects) throw new RangeError(`gold has length ${gold.length}, expected nSubjects = ${nSubjects}`);
  for (let i = 0; i < n; i++) {
    const s = subject[i], v = volunteer[i], a = answer[i];
    if (s < 0 || s >= nSubjects) throw new RangeError(`vote ${i}: subject ${s} out of range [0, ${nSubjects})`);
    if (v < 0 || v >= nVolunteers) throw new RangeError(`vote ${i}: volunteer ${v} out of range [0, ${nVolunteers})`);
    if (a < 0 || a >= k) throw new RangeError(`vote ${i}: answer ${a} out of range [0, ${k})`);
  }
  if (gold) {
    for (let s = 0; s < nSubjects; s++) {
      if (gold[s] < -1 || gold[s] >= k) throw new RangeError(`gold[${s}] = ${gold[s]} must be -1 or a class in [0, ${k})`);
    }
  }
}

/** Number of votes per subject. */
export function votesPerSubject(votes: VoteSet): Int32Array {
  const counts = new Int32Array(votes.nSubjects);
  const subject = votes.subject;
  for (let i = 0; i < subject.length; i++) counts[subject[i]]++;
  return counts;
}

/**
 * Fills label and confidence from a row-major posterior: arg-max with ties to the lowest class index,
 * label -1 and confidence 0 where the subject has no votes.
 */
export function finish(posterior: Float64Array, nSubjects: number, k: number, counts: Int32Array): Pick<Consensus, 'label' | 'confidence'> {
  const label = new Int32Array(nSubjects);
  const confidence = new Float64Array(nSubjects);
  for (let s = 0; s < nSubjects; s++) {
    if (counts[s] === 0) {
      label[s] = -1;
      continue;
    }
    const o = s * k;
    let best = 0;
    let bestP = posterior[o];
    for (let c = 1; c < k; c++) {
      if (posterior[o + c] > bestP) {
        bestP = posterior[o + c];
        best = c;
      }
    }
    label[s] = best;
    confidence[s] = bestP;
  }
  return { label, confidence };
}
