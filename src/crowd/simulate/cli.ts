import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openConfiguredDb } from '../../db/open.js';
import { UserError } from '../../web/errors.js';
import { loadCrowdConfig } from '../config.js';
import { PROFILES, type ProfileChoice } from './profiles.js';
import { deleteSimulatedCrowd, simulateCrowdVotes } from './service.js';
import { openStorage } from '../../storage/index.js';

const whole = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new UserError(400, 'bad_option', `${name} must be a whole number, not '${v}'.`);
  return n;
};

/** `sift crowd simulate`: a marked, reproducible simulated crowd on a challenge's workflow, or its removal. */
export function registerCrowdCommands(program: Command): void {
  const crowd = program.command('crowd').description('crowd (volunteer) tools');
  crowd
    .command('simulate <challenge>')
    .description(`simulated volunteers (marked as such everywhere) classify the challenge's subjects through the volunteers' own code path; profiles: mixed or one of ${PROFILES.join(', ')}`)
    .option('--volunteers <n>', 'simulated volunteer accounts to create', '300')
    .option('--votes <n>', 'votes to cast (fewer when the volunteers run out of subjects)', '20000')
    .option('--profile <name>', `mixed, or one of ${PROFILES.join(', ')}`, 'mixed')
    .option('--seed <n>', 'the same seed gives the same crowd and votes', '1')
    .option('--days <n>', 'spread the votes over this many days up to now', '7')
    .option('--no-consensus', 'skip the consensus aggregators (Dawid–Skene and the others) afterwards')
    .option('--delete', "remove the challenge's simulated accounts, their votes, serves and volunteer rows, and replay the subjects they voted on")
    .action(async (slug: string, o: { volunteers: string; votes: string; profile: string; seed: string; days: string; consensus: boolean; delete?: boolean }) => {
      const config = loadConfig();
      const handle = await openConfiguredDb(config);
      const storage = openStorage(config.STORAGE_URL, config.dataDir);
      try {
        if (o.delete) {
          const r = await deleteSimulatedCrowd(handle, slug);
          console.log(`Removed ${r.accounts} simulated volunteer(s) and ${r.votes} vote(s) from '${slug}'; replayed ${r.subjects} subject(s).`);
          return;
        }
        const started = Date.now();
        const s = await simulateCrowdVotes(
          handle,
          storage,
          slug,
          { volunteers: whole('--volunteers')(o.volunteers), votes: whole('--votes')(o.votes), profile: o.profile as ProfileChoice, seed: whole('--seed')(o.seed), days: Number(o.days), consensus: o.consensus, onProgress: (n) => process.stderr.write(`\r${n} votes`) },
          loadCrowdConfig(),
        );
        process.stderr.write('\n');
        console.log(`'${slug}': ${s.volunteers} simulated volunteers cast ${s.votes} votes (${s.goldVotes} on gold), ${s.retired} subject(s) retired, in ${((Date.now() - started) / 1000).toFixed(1)} s${s.consensus ? '; consensus computed' : ''}.`);
        for (const [p, b] of Object.entries(s.byProfile)) console.log(`  ${p.padEnd(8)} ${String(b.volunteers).padStart(4)} volunteers ${String(b.votes).padStart(6)} votes, gold accuracy ${b.gold ? ((100 * b.goldCorrect) / b.gold).toFixed(1) + '%' : '-'} (${b.gold} gold)`);
      } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exitCode = 2;
      } finally {
        storage.close();
        await handle.destroy();
      }
    });
}
