export type { Aggregator, AggregateOptions, Consensus, VoteSet } from './types.js';
export { DEFAULT_PRIOR_STRENGTH, pooledGoldCounts, populationAccuracy, populationConfusion, volunteerPrior } from './prior.js';
export { checkVotes, votesPerSubject } from './common.js';
export { majority, majorityVote } from './majority.js';
export { goldWeighted, goldWeightedVote, goldWeight, goldRecord, volunteerWeights, TIE_BREAK, type GoldRecord } from './gold-weighted.js';
export { dawidSkene, dawidSkeneEM, type DawidSkeneOptions } from './dawid-skene.js';
export {
  onlineSwap,
  newConfusion,
  swapPriorStrength,
  observeGold,
  answerLikelihood,
  updatePosterior,
  information,
  uniformPrior,
  replayOnlineSwap,
  type SwapReplay,
} from './online-swap.js';
export * from './simulate.js';

import type { Aggregator } from './types.js';
import { majority } from './majority.js';
import { goldWeighted } from './gold-weighted.js';
import { dawidSkene } from './dawid-skene.js';
import { onlineSwap } from './online-swap.js';

export const aggregators: Record<Aggregator['name'], Aggregator> = {
  majority,
  gold_weighted: goldWeighted,
  dawid_skene: dawidSkene,
  online_swap: onlineSwap,
};
