import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

/** Files matching `base/**\/*.test.js` (recursive) or `base/*.test.js` (one level). */
function expand(pattern: string): string[] {
  if (fs.existsSync(pattern) && fs.statSync(pattern).isFile()) return [pattern];
  const recursive = pattern.includes('/**/');
  const base = pattern.split(recursive ? '/**/' : '/*')[0];
  const suffix = '.test.js';
  if (!fs.existsSync(base)) return [];
  const entries = fs.readdirSync(base, { recursive, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}

/** Runs one mocha pass and reports its counts to the parent (test/run.ts) on the last line. */
const patterns = process.argv.slice(2);
const mocha = new Mocha({ reporter: 'spec', timeout: 60_000 });
for (const p of patterns) for (const f of expand(p).sort()) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const s = runner.stats!;
  console.log(`@@stats ${JSON.stringify({ passes: s.passes, failures, pending: s.pending })}`);
  process.exitCode = failures ? 1 : 0;
});
