/**
 * The credit a live vote earns on volunteers' pages and boards. It must not depend on the answer's
 * agreement with the other votes: those of the demo's simulated crowd are drawn from the hidden
 * solution, so a credit that grew with agreement would tell a volunteer, subject by subject, whether
 * their answer matched it (a label oracle). The credit is therefore the information a volunteer of
 * their record is expected to give, whatever they answer: the mutual information between the true
 * class and their answer, under their confusion matrix (learnt from their own gold answers only) at
 * the prior. It equals the expected value of the posterior-based bits over their possible answers, so
 * the scale of the boards is unchanged on average.
 */
import { answerLikelihood, information, updatePosterior } from './aggregators/index.js';

/** Mutual information, in bits, between the true class (distributed as `prior`) and the answer of a volunteer with this row-major k×k confusion matrix. */
export function expectedInformation(confusion: Float64Array, k: number, prior: Float64Array): number {
  let bits = 0;
  for (let a = 0; a < k; a++) {
    const likelihood = answerLikelihood(confusion, k, a);
    let pAnswer = 0;
    for (let t = 0; t < k; t++) pAnswer += prior[t] * likelihood[t];
    if (pAnswer > 0) bits += pAnswer * information(prior, updatePosterior(prior, likelihood));
  }
  return Number.isFinite(bits) && bits > 0 ? bits : 0;
}
