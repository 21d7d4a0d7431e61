import type { Command } from 'commander';
import { registerClientCommands } from './client/commands.js';
import { registerTeamCommands } from './client/team.js';
import { registerDownloadCommand } from './client/download.js';
import { registerBaselineCommands } from '../baseline/cli.js';
import { registerCrowdCommands } from '../crowd/simulate/cli.js';

/** Command groups contributed by domains (baseline, API client...). Each adds one line here. */
export const commandModules: Array<(program: Command) => void> = [registerClientCommands, registerTeamCommands, registerBaselineCommands, registerCrowdCommands, registerDownloadCommand];
