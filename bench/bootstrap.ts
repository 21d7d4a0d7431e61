/**
 * Bootstrap intervals benchmark (printed, not asserted): 2,000 resamples of 5,000 subjects in 5
 * classes, one method and a paired difference. Target: well under a second each.
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../src/seeded-random.js';
import { bootstrapIntervals, pairedBootstrapDifferences } from '../scorers/bootstrap.js';

const n = 5_000;
const k = 5;
const random = seededRandom(1);
const truth = Int32Array.from({ length: n }, () => Math.floor(random() * k));
const noisy = (rightShare: number) => truth.map((t) => (random() < rightShare ? t : Math.floor(random() * k)));
const crowd = noisy(0.8);
const ml = noisy(0.7);

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

// Each three times (the machine may be shared); the first run is cold.
const single = [1, 2, 3].map(() => time(() => bootstrapIntervals(crowd, truth, k, { seed: 42 })));
const paired = [1, 2, 3].map(() => time(() => pairedBootstrapDifferences(crowd, ml, truth, k, { seed: 42 })));
const secs = (runs: Array<[unknown, number]>) => runs.map(([, t]) => `${t.toFixed(3)} s`).join(', ');
console.log(`bootstrap: ${n.toLocaleString('en')} subjects, ${k} classes, 2,000 resamples`);
console.log(`  bootstrapIntervals (one method):      ${secs(single)}`);
console.log(`  pairedBootstrapDifferences (A − B):   ${secs(paired)}`);
const acc = single[0][0].accuracy;
const diff = paired[0][0].accuracy;
console.log(`  accuracy ${acc.estimate?.toFixed(3)} [${acc.lo?.toFixed(3)}, ${acc.hi?.toFixed(3)}]; difference ${diff.estimate?.toFixed(3)} [${diff.lo?.toFixed(3)}, ${diff.hi?.toFixed(3)}]`);
