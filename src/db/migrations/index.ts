import type { Migration, MigrationProvider } from 'kysely';
import type { DbDialect } from '../index.js';
import { foundation } from './0001_foundation.js';
import { teamsAndTokens } from './0002_teams_tokens.js';
import { baseline } from './0003_baseline.js';
import { crowd } from './0004_crowd.js';
import { apiTokens } from './0005_api_tokens.js';
import { crowdServing } from './0006_crowd_serving.js';
import { uploadGuards } from './0007_upload_guards.js';
import { crowdVoteWeight } from './0008_crowd_vote_weight.js';
import { loginThrottle } from './0009_login_throttle.js';
import { simulatedVolunteers } from './0010_simulated_volunteers.js';
import { consensusPriorStrength } from './0011_consensus_prior_strength.js';
import { crowdRouting } from './0012_crowd_routing.js';
import { crowdRetrains } from './0013_crowd_retrains.js';
import { crowdDisplay } from './0014_crowd_display.js';
import { crowdTraining } from './0015_crowd_training.js';
import { crowdLivePick } from './0017_crowd_live_pick.js';
import { lateSubmissions } from './0018_late_submissions.js';
import { boardVersions } from './0019_board_versions.js';
import { storageKeys } from './0020_storage_keys.js';
import { volunteerProfiles } from './0021_volunteer_profiles.js';
import { volunteerComputing } from './0022_volunteer_computing.js';
import { computePromotions } from './0024_compute_promotions.js';
import { crowdUnretiredPicks } from './0025_crowd_unretired_picks.js';
import { crowdVotesCast } from './0026_crowd_votes_cast.js';
import { challengeRevision } from './0027_challenge_revision.js';
import { crowdKnownPicks } from './0028_crowd_known_picks.js';

/** Every migration, in order; one file each. */
export function migrationProvider(dialect: DbDialect): MigrationProvider {
  const all: Record<string, Migration> = {
    '0001_foundation': foundation(dialect),
    '0002_teams_tokens': teamsAndTokens(dialect),
    '0003_baseline': baseline(dialect),
    '0004_crowd': crowd(dialect),
    '0005_api_tokens': apiTokens(dialect),
    '0006_crowd_serving': crowdServing(),
    '0007_upload_guards': uploadGuards(dialect),
    '0008_crowd_vote_weight': crowdVoteWeight(),
    '0009_login_throttle': loginThrottle(),
    '0010_simulated_volunteers': simulatedVolunteers(),
    '0011_consensus_prior_strength': consensusPriorStrength(),
    '0012_crowd_routing': crowdRouting(),
    '0013_crowd_retrains': crowdRetrains(dialect),
    '0014_crowd_display': crowdDisplay(),
    '0015_crowd_training': crowdTraining(),
    '0017_crowd_live_pick': crowdLivePick(),
    '0018_late_submissions': lateSubmissions(),
    '0019_board_versions': boardVersions(),
    '0020_storage_keys': storageKeys(),
    '0021_volunteer_profiles': volunteerProfiles(),
    '0022_volunteer_computing': volunteerComputing(dialect),
    '0024_compute_promotions': computePromotions(),
    '0025_crowd_unretired_picks': crowdUnretiredPicks(),
    '0026_crowd_votes_cast': crowdVotesCast(),
    '0027_challenge_revision': challengeRevision(dialect),
    '0028_crowd_known_picks': crowdKnownPicks(),
  };
  return { getMigrations: async () => all };
}
