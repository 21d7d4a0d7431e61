import type { Command } from 'commander';

/** Command groups contributed by domains (baseline, API client...). Each adds one line here. */
export const commandModules: Array<(program: Command) => void> = [];
