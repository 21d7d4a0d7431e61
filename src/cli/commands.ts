import type { Command } from 'commander';
import { registerClientCommands } from './client/commands.js';
import { registerTeamCommands } from './client/team.js';
import { registerDownloadCommand } from './client/download.js';

/**
 * A command group that opens the database (or loads TensorFlow.js): main.ts imports its module only when
 * its command runs, so `sift --help` and the client commands start without Kysely. Its name and
 * description are the ones its module gives the group.
 */
export interface ServerCommandGroup {
  name: string;
  description: string;
  load(): Promise<(program: Command) => void>;
}

/** Command groups contributed by domains (baseline, API client...), in the order of `sift --help`. Each adds one line here. */
export const commandModules: Array<((program: Command) => void) | ServerCommandGroup> = [
  registerClientCommands,
  registerTeamCommands,
  { name: 'baseline', description: 'the TensorFlow.js baseline model of a challenge', load: async () => (await import('../baseline/cli.js')).registerBaselineCommands },
  { name: 'crowd', description: 'crowd (volunteer) tools', load: async () => (await import('../crowd/simulate/cli.js')).registerCrowdCommands },
  registerDownloadCommand,
];
