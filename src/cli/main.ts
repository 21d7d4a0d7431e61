#!/usr/bin/env node
import { Command } from 'commander';
import { commandModules } from './commands.js';

const program = new Command();
program.name('sift').description('Sift: challenges where machine learning and volunteers classify the same objects');

// The server-side commands' code (Kysely, the challenge importer, the job runner) loads only when one of them runs.
program
  .command('seed')
  .description('create the admin (printing its one-time password) and import the demo challenges, on an empty database')
  .action(async () => (await import('./server-commands.js')).seed());

program
  .command('import-challenge <folder>')
  .description('validate a challenge folder (challenge.yaml, train, test, solution) and import it')
  .action(async (folder: string) => (await import('./server-commands.js')).importChallenge(folder));

program
  .command('worker')
  .description('score queued submissions; run any number of these against the same DATABASE_URL and STORAGE_URL, each with its own DATA_DIR')
  .action(async () => (await import('./server-commands.js')).worker());

const words = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const invoked = words[0] === 'help' ? words[1] : words[0];
for (const entry of commandModules) {
  if (typeof entry === 'function') entry(program);
  else if (entry.name === invoked) (await entry.load())(program);
  // Listed by `sift --help` from its name and description alone; its subcommands come with its module.
  else program.command(entry.name).description(entry.description);
}
await program.parseAsync();
